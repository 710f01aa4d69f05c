/**
 * Approvals of deployments in environments that require them (architecture.md §4, "Protection and
 * approvals"): a deployment waits in `awaiting_approval` until `required_approvals` other people who may
 * deploy there approved it, and one rejection cancels it.
 */
import type { ApprovalBody, ApprovalView } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Deployment, Environment, Project, User } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { publishProjectEvent, deploymentListEvent } from '../events/lists.js';
import { conflict, forbidden } from '../errors.js';
import { mayDeployTo } from '../environments/protection.js';
import { lockDeployment, transitionDeployment } from './transitions.js';

/** The decisions on each of `deploymentIds`, oldest first. */
export async function approvalsOf(
  db: Db,
  deploymentIds: readonly number[],
): Promise<Map<number, ApprovalView[]>> {
  const found = new Map<number, ApprovalView[]>(deploymentIds.map((id) => [id, []]));
  if (!deploymentIds.length) return found;
  const rows = await db
    .selectFrom('deployment_approvals')
    .innerJoin('users', 'users.id', 'deployment_approvals.user_id')
    .select([
      'deployment_approvals.deployment_id',
      'deployment_approvals.decision',
      'deployment_approvals.comment',
      'deployment_approvals.created_at',
      'users.id as user_id',
      'users.login',
    ])
    .where('deployment_approvals.deployment_id', 'in', deploymentIds)
    .orderBy('deployment_approvals.id')
    .execute();
  for (const row of rows)
    found.get(row.deployment_id)?.push({
      user: { id: row.user_id, login: row.login },
      decision: row.decision,
      comment: row.comment,
      created_at: row.created_at.toISOString(),
    });
  return found;
}

/** Why `user` may not decide on `deployment` now, or null when they may. */
async function refusal(
  db: Db,
  user: User,
  project: Project,
  env: Environment,
  deployment: Deployment,
): Promise<{ status: 403 | 409; message: string } | null> {
  if (!(await mayDeployTo(db, user, project, env)))
    return {
      status: 403,
      message: `only people who may deploy to ${env.name} may approve deployments there`,
    };
  if (deployment.triggered_by === user.id)
    return { status: 403, message: 'you cannot approve your own deployment' };
  if (deployment.status !== 'awaiting_approval')
    return {
      status: 409,
      message: `deployment #${deployment.id} is ${deployment.status}, not awaiting approval`,
    };
  const decided = await db
    .selectFrom('deployment_approvals')
    .select('decision')
    .where('deployment_id', '=', deployment.id)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  if (decided)
    return {
      status: 409,
      message: `you have decided on deployment #${deployment.id} already (${decided.decision})`,
    };
  return null;
}

async function environmentOf(db: Db, deployment: Deployment): Promise<Environment> {
  return db
    .selectFrom('environments')
    .selectAll()
    .where('id', '=', deployment.environment_id)
    .executeTakeFirstOrThrow();
}

/** Whether `user` may approve or reject `deployment` now (the view's `can_approve`). */
export async function canApprove(
  db: Db,
  user: User,
  project: Project,
  deployment: Deployment,
): Promise<boolean> {
  if (deployment.status !== 'awaiting_approval') return false;
  return (await refusal(db, user, project, await environmentOf(db, deployment), deployment)) === null;
}

/**
 * Records `user`'s decision on a deployment awaiting approval and audits it, in `trx`. A rejection
 * cancels it; the approval that makes `required_approvals` queues it. 403 for one who may not deploy to
 * its environment or who started it, 409 when it does not await approval or they decided already.
 */
export async function decideApproval(
  ctx: AppContext,
  trx: Db,
  user: User,
  actor: Actor,
  project: Project,
  deploymentId: number,
  body: ApprovalBody,
): Promise<Deployment> {
  const deployment = await lockDeployment(trx, deploymentId);
  const env = await environmentOf(trx, deployment);
  const refused = await refusal(trx, user, project, env, deployment);
  if (refused?.status === 403) throw forbidden(refused.message);
  if (refused) throw conflict('CONFLICT', refused.message, { status: deployment.status });
  const comment = body.comment?.trim() || null;
  await trx
    .insertInto('deployment_approvals')
    .values({ deployment_id: deploymentId, user_id: user.id, decision: body.decision, comment })
    .execute();
  const given = await trx
    .selectFrom('deployment_approvals')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deployment_id', '=', deploymentId)
    .where('decision', '=', 'approve')
    .executeTakeFirstOrThrow();
  const approvals = { given: Number(given.n), required: env.required_approvals };
  await recordAudit(trx, {
    actor,
    action: body.decision === 'approve' ? 'deployment_approved' : 'deployment_rejected',
    entityType: 'deployment',
    entityId: deploymentId,
    projectId: deployment.project_id,
    after: { decision: body.decision, comment, approvals },
  });
  if (body.decision === 'reject')
    return transitionDeployment(ctx, trx, deploymentId, {
      to: 'canceled',
      actor,
      message: `rejected by ${user.login}${comment ? `: ${comment}` : ''}`,
    });
  if (approvals.given >= approvals.required)
    return transitionDeployment(ctx, trx, deploymentId, { to: 'queued', actor });
  // Still waiting: open lists show the new count (the status is unchanged, so no status event).
  await publishProjectEvent(trx, deploymentListEvent(deployment));
  return deployment;
}
