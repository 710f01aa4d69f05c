import { NOT_STARTED_STATUSES, type DeploymentStatus, type WaitingFor } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { WaitingCheck, WaitingDeployment } from './waiting/check.js';

export type { WaitingCheck, WaitingDeployment };
import { approvalCheck } from './waiting/approval.js';
import { queueAheadCheck } from './waiting/queue-ahead.js';
import { holdCheck } from './waiting/hold.js';
import { missingRunnerCheck } from './waiting/missing-runner.js';
import { freezeCheck } from './waiting/freeze.js';

/**
 * The checks, most pressing first: a deployment shows the first reason that holds it (architecture.md
 * §4, "Why a deployment waits"). The claim (runner-protocol/claim-blockers.ts) applies the same rules.
 */
const CHECKS: readonly WaitingCheck[] = [
  approvalCheck,
  freezeCheck,
  holdCheck,
  queueAheadCheck,
  missingRunnerCheck,
];

const NOT_STARTED: readonly DeploymentStatus[] = NOT_STARTED_STATUSES;

/** Why each of `deployments` that has not started waits; the others have no entry. */
export async function waitingReasons(
  ctx: AppContext,
  deployments: readonly WaitingDeployment[],
): Promise<Map<number, WaitingFor>> {
  let open = deployments.filter((d) => NOT_STARTED.includes(d.status));
  const reasons = new Map<number, WaitingFor>();
  for (const check of CHECKS) {
    if (!open.length) break;
    const found = await check(ctx, open);
    for (const [id, reason] of found) reasons.set(id, reason);
    open = open.filter((d) => !found.has(d.id));
  }
  return reasons;
}
