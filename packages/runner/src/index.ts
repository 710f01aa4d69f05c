import type { HelloResponse } from '@polytene/protocol';
import { DEFAULT_RETRY, RunnerClient, type RetryPolicy } from './client.js';
import type { RunnerConfig } from './config.js';
import { helloRequest } from './identity.js';
import { silentLogger, type Logger } from './logger.js';
import { Poller } from './poller.js';

export { parseRunnerConfig, loadRunnerConfig, ConfigError, type RunnerConfig } from './config.js';
export { ServerRefusedError, ServerUnavailableError, ProtocolError } from './client.js';
export { RUNNER_VERSION } from './identity.js';
export { generateKey } from './configure.js';
export type { Logger } from './logger.js';

export interface RunningRunner {
  /** What the server answered to the proof of life. */
  settings: HelloResponse;
  activeJobs(): number;
  /** Stops taking jobs, lets running ones finish up to the grace period, then stops and reports them. */
  stop(): Promise<void>;
}

export interface StartRunnerOptions {
  logger?: Logger;
  /** How hard to try the first proof of life before giving up (the CLI fails fast; the server retries). */
  helloRetry?: RetryPolicy;
}

/**
 * Starts a runner: proof of life (version, hostname, public key, concurrency), then long-polling for
 * deployments. Used by the `polytene-runner start` command and by the server's built-in `local` runner.
 */
export async function startRunner(
  config: RunnerConfig,
  options: StartRunnerOptions = {},
): Promise<RunningRunner> {
  const logger = options.logger ?? silentLogger;
  const client = new RunnerClient(config.url, config.token);
  const settings = await client.hello(
    await helloRequest(config.sshKey, config.concurrency),
    options.helloRetry ?? DEFAULT_RETRY,
  );
  logger.info(
    `runner "${settings.name}" (#${settings.runner_id}) connected to ${config.url}; concurrency ${config.concurrency}`,
  );
  const poller = new Poller(client, config, settings, logger);
  await poller.start();
  return { settings, activeJobs: () => poller.activeJobs, stop: () => poller.stop() };
}
