/**
 * Deployment states and the one function that decides which transitions are allowed (architecture.md §4).
 * No imports: the web bundles this file on its own (`@polytene/protocol/states`).
 */
export const DEPLOYMENT_STATUSES = [
  'awaiting_approval',
  'queued',
  'running',
  'succeeded',
  'failed',
  'canceled',
  'skipped',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** The states of a deployment that has not started yet: it waits (architecture.md §4, "Why a deployment waits"). */
export const NOT_STARTED_STATUSES = [
  'awaiting_approval',
  'queued',
] as const satisfies readonly DeploymentStatus[];

export const FINAL_STATUSES: readonly DeploymentStatus[] = ['succeeded', 'failed', 'canceled', 'skipped'];

export const FAILURE_REASONS = ['script_failure', 'timeout', 'runner_lost', 'runner_error'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** A build's deployment status: the status of its latest deployment, or `not_deployed`. */
export const BUILD_DEPLOYMENT_STATUSES = [...DEPLOYMENT_STATUSES, 'not_deployed'] as const;
export type BuildDeploymentStatus = (typeof BUILD_DEPLOYMENT_STATUSES)[number];

const ALLOWED: Readonly<Record<DeploymentStatus, readonly DeploymentStatus[]>> = {
  /** In a protected environment that requires approvals, until enough are given (or one rejects). */
  awaiting_approval: ['queued', 'canceled', 'skipped'],
  queued: ['running', 'canceled', 'skipped'],
  running: ['succeeded', 'failed', 'canceled'],
  succeeded: [],
  failed: [],
  canceled: [],
  skipped: [],
};

export function isFinalStatus(status: DeploymentStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export function canTransition(from: DeploymentStatus, to: DeploymentStatus): boolean {
  return ALLOWED[from].includes(to);
}

export interface TransitionInput {
  from: DeploymentStatus;
  to: DeploymentStatus;
  failureReason?: FailureReason | null;
}

export type TransitionResult =
  { ok: true; status: DeploymentStatus; failureReason: FailureReason | null } | { ok: false; error: string };

/**
 * Validates a state change. `failed` must carry a reason and no other state may carry one.
 */
export function transition(input: TransitionInput): TransitionResult {
  const { from, to } = input;
  const reason = input.failureReason ?? null;
  if (!canTransition(from, to)) {
    return { ok: false, error: `a deployment cannot go from ${from} to ${to}` };
  }
  if (to === 'failed' && reason === null) {
    return { ok: false, error: 'a failed deployment needs a failure reason' };
  }
  if (to !== 'failed' && reason !== null) {
    return { ok: false, error: `only a failed deployment carries a failure reason, not ${to}` };
  }
  return { ok: true, status: to, failureReason: reason };
}
