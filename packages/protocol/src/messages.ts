/**
 * The messages runners and the server put on a deployment (`message`), one source for who writes them
 * and for the web, which shows each known one in the user's language by its code. Anything else a runner
 * sends is free text and is shown as it is. No imports: the web bundles this file on its own.
 */
export const DEPLOYMENT_MESSAGES = {
  canceled_from_polytene: 'canceled from Polytene',
  timed_out: 'timed out',
  runner_stopped: 'the runner was stopped before the deployment finished',
  canceled_runner_silent: 'canceled; the runner stopped reporting',
  lease_expired: 'the runner stopped reporting (lease expired)',
  newer_build_waiting: 'a newer build of this branch is already waiting',
  newer_build_live: 'a newer build is live in this environment: an automatic deployment never goes back',
} as const;
export type DeploymentMessageCode = keyof typeof DEPLOYMENT_MESSAGES | 'exit_code' | 'signal';

/** `failed with exit code 3` / `failed with signal SIGKILL`: a script's end, as the runner says it. */
export function scriptFailedMessage(exitCode: number | null, signal: string | null): string {
  return exitCode !== null ? `failed with exit code ${exitCode}` : `failed with signal ${signal}`;
}

/** The code (and numbers) of a known deployment message, or null for free text. */
export function deploymentMessageCode(
  text: string,
): { code: DeploymentMessageCode; params: Record<string, string | number> } | null {
  for (const [code, known] of Object.entries(DEPLOYMENT_MESSAGES)) {
    if (text === known) return { code: code as keyof typeof DEPLOYMENT_MESSAGES, params: {} };
  }
  const exit = /^failed with exit code (-?\d+)$/.exec(text);
  if (exit) return { code: 'exit_code', params: { code: Number(exit[1]) } };
  const signal = /^failed with signal (\w+)$/.exec(text);
  if (signal?.[1]) return { code: 'signal', params: { signal: signal[1] } };
  return null;
}

/** The reason a rollback holds its environment with (`rolled back to build #7`). */
export function rollbackHoldReason(buildId: number): string {
  return `rolled back to build #${buildId}`;
}

/** The build a rollback's hold reason names, or null for a reason a person wrote. */
export function rollbackHoldBuild(reason: string): number | null {
  const match = /^rolled back to build #(\d+)$/.exec(reason);
  return match ? Number(match[1]) : null;
}
