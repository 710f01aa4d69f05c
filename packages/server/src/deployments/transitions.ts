import { transition, isFinalStatus, type DeploymentStatus, type FailureReason } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Deployment, DeploymentUpdate } from '../db/schema.js';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/service.js';
import { publish } from '../events/bus.js';
import { deploymentListEvent, publishProjectEvent } from '../events/lists.js';
import { conflict, notFound } from '../errors.js';
import { queueDeploymentChange } from './changes.js';

export interface TransitionRequest {
  to: DeploymentStatus;
  failureReason?: FailureReason | null;
  exitCode?: number | null;
  message?: string | null;
  actor?: Actor;
  /** Extra columns set together with the status (runner_id, lease, job token...). */
  extra?: DeploymentUpdate;
}

/** Event topics: one per deployment, and `jobs` that wakes runners waiting for work. */
export const deploymentTopic = (id: number) => `deployment:${id}`;
export const JOBS_TOPIC = 'jobs';

/** The deployment's row, locked until the transaction ends; 404 when there is none. */
export async function lockDeployment(trx: Db, deploymentId: number): Promise<Deployment> {
  const row = await trx
    .selectFrom('deployments')
    .selectAll()
    .where('id', '=', deploymentId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('deployment');
  return row;
}

/**
 * The only way a deployment changes status. Locks the row, checks the move with the protocol's pure
 * `transition()`, stores it, records the audit event, publishes the change (delivered at commit) and
 * queues the follow-up task. Must run inside a transaction (`trx`).
 */
export async function transitionDeployment(
  ctx: AppContext,
  trx: Db,
  deploymentId: number,
  request: TransitionRequest,
): Promise<Deployment> {
  const current = await lockDeployment(trx, deploymentId);
  const result = transition({
    from: current.status,
    to: request.to,
    failureReason: request.failureReason ?? null,
  });
  if (!result.ok) throw conflict('INVALID_TRANSITION', result.error, { status: current.status });
  const now = new Date();
  const final = isFinalStatus(request.to);
  const update: DeploymentUpdate = {
    ...request.extra,
    status: request.to,
    failure_reason: result.failureReason,
    updated_at: now,
  };
  if (request.exitCode !== undefined) update.exit_code = request.exitCode;
  if (request.message !== undefined) update.message = request.message;
  if (request.to === 'running') update.started_at = now;
  if (final) {
    update.finished_at = now;
    update.lease_expires_at = null;
  }
  const updated = await trx
    .updateTable('deployments')
    .set(update)
    .where('id', '=', deploymentId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    actor: request.actor ?? SYSTEM_ACTOR,
    action: `deployment_${request.to}`,
    entityType: 'deployment',
    entityId: deploymentId,
    projectId: current.project_id,
    before: { status: current.status },
    after: { status: updated.status, failure_reason: updated.failure_reason, exit_code: updated.exit_code },
  });
  await publish(trx, deploymentTopic(deploymentId), {
    status: updated.status,
    failure_reason: updated.failure_reason,
  });
  await publishProjectEvent(trx, deploymentListEvent(updated));
  // A final status frees the environment; an approved deployment (now queued) may be claimed.
  if (final || request.to === 'queued')
    await publish(trx, JOBS_TOPIC, { project_id: current.project_id, environment: current.environment });
  await queueDeploymentChange(ctx, trx, { deployment_id: deploymentId, status: updated.status });
  await ctx.metrics.deploymentMoved(trx, current, updated);
  return updated;
}
