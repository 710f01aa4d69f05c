import { sql } from 'kysely';
import {
  DEPLOYMENT_MESSAGES,
  NOT_STARTED_STATUSES,
  rollbackHoldReason,
  type DeploymentTrigger,
} from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { BranchConfig, Build, Deployment } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { publish } from '../events/bus.js';
import { deploymentListEvent, publishProjectEvent } from '../events/lists.js';
import { conflict } from '../errors.js';
import { JOBS_TOPIC, deploymentTopic, lockDeployment, transitionDeployment } from './transitions.js';
import { holdEnvironment } from '../environments/hold.js';
import { scheduleFreezeWake } from '../freeze/wake.js';
import { queueDeploymentChange } from './changes.js';

/**
 * Serialises queueing decisions per (project, environment) until the transaction ends, so two builds
 * arriving at once cannot both stay queued as "the newest". Claiming (runner protocol) needs no part of
 * it: the unique index on running deployments lets only one run per (project, environment).
 */
async function lockEnvironment(trx: Db, projectId: number, environment: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`deploy:${projectId}:${environment}`}, 0))`.execute(
    trx,
  );
}

/**
 * Queues one deployment of `build` with what runs copied from `config` (script, artifacts dir, timeout,
 * branch, environment — `environment` overrides the config's). Queued automatic deployments of the same
 * branch config and environment whose build is older (or the same) become `skipped`; user deployments
 * (a rollback) are never skipped. An automatic deployment of a build older than one already waiting is
 * itself recorded as skipped at once. Rollbacks (architecture.md §4): a build older (lower id) than the
 * one live in the environment is a rollback; a person's is marked `rollback` and holds the environment
 * (automatic deployment stops there until resumed), an automatic one is skipped at once (never deploy
 * older over newer).
 * In an environment that requires approvals it is inserted as `awaiting_approval` (and its
 * notifications queued) instead of `queued`; the same rules apply. Wakes waiting runners at commit.
 * Run inside a transaction.
 */
export async function queueDeployment(
  ctx: AppContext,
  trx: Db,
  build: Build,
  config: BranchConfig,
  trigger: DeploymentTrigger,
  actor: Actor,
  environment: string = config.environment,
): Promise<Deployment> {
  await lockEnvironment(trx, build.project_id, environment);
  const live = await liveBuildId(trx, build.project_id, environment);
  const older = live !== null && build.id < live;
  const awaitsApproval = (await requiredApprovals(trx, build.project_id, environment)) > 0;
  const deployment = await trx
    .insertInto('deployments')
    .values({
      status: awaitsApproval ? 'awaiting_approval' : 'queued',
      build_id: build.id,
      project_id: build.project_id,
      branch_config_id: config.id,
      environment,
      trigger,
      triggered_by: trigger === 'user' ? actor.id : null,
      branch_name: config.branch_name,
      script: config.deployment_script,
      artifacts_dir: config.artifacts_dir,
      timeout_seconds: config.timeout_seconds,
      rollback: older && trigger === 'user',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    actor,
    action: 'deployment_queued',
    entityType: 'deployment',
    entityId: deployment.id,
    projectId: build.project_id,
    after: {
      build_id: build.id,
      environment,
      trigger,
      branch_name: config.branch_name,
      rollback: deployment.rollback,
      status: deployment.status,
    },
  });
  await publishProjectEvent(trx, deploymentListEvent(deployment));
  if (!awaitsApproval) await publish(trx, JOBS_TOPIC, { project_id: build.project_id, environment });
  await scheduleFreezeWake(ctx, trx, deployment.environment_id);

  if (older && trigger === 'auto') {
    return transitionDeployment(ctx, trx, deployment.id, {
      to: 'skipped',
      actor,
      message: DEPLOYMENT_MESSAGES.newer_build_live,
    });
  }
  if (deployment.rollback && actor.id !== null) {
    const env = await trx
      .selectFrom('environments')
      .selectAll()
      .where('id', '=', deployment.environment_id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    await holdEnvironment(trx, env, { ...actor, id: actor.id }, rollbackHoldReason(build.id), deployment.id);
  }

  if (trigger === 'auto' && (await newerBuildWaiting(trx, deployment, config.id))) {
    return transitionDeployment(ctx, trx, deployment.id, {
      to: 'skipped',
      actor,
      message: DEPLOYMENT_MESSAGES.newer_build_waiting,
    });
  }
  for (const outdated of await outdatedAutoDeployments(trx, deployment, config.id)) {
    await transitionDeployment(ctx, trx, outdated.id, {
      to: 'skipped',
      actor,
      message: `superseded by deployment #${deployment.id}`,
    });
  }
  // Those who approve are told (notification hooks, email).
  if (awaitsApproval)
    await queueDeploymentChange(ctx, trx, { deployment_id: deployment.id, status: deployment.status });
  return deployment;
}

/** The build of the environment's last succeeded deployment (what is live there), if any. */
async function liveBuildId(trx: Db, projectId: number, environment: string): Promise<number | null> {
  const live = await trx
    .selectFrom('deployments')
    .innerJoin('environments', 'environments.id', 'deployments.environment_id')
    .select('deployments.build_id')
    .where('environments.project_id', '=', projectId)
    .where('environments.name', '=', environment)
    .where('deployments.status', '=', 'succeeded')
    .orderBy('deployments.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return live?.build_id ?? null;
}

/** The approvals the environment called `environment` requires (0 when it does not exist yet). */
async function requiredApprovals(trx: Db, projectId: number, environment: string): Promise<number> {
  const env = await trx
    .selectFrom('environments')
    .select('required_approvals')
    .where('project_id', '=', projectId)
    .where('name', '=', environment)
    .executeTakeFirst();
  return env?.required_approvals ?? 0;
}

function waitingOfSameBranch(trx: Db, deployment: Deployment, configId: number) {
  return trx
    .selectFrom('deployments')
    .where('deployments.project_id', '=', deployment.project_id)
    .where('deployments.branch_config_id', '=', configId)
    .where('deployments.environment', '=', deployment.environment)
    .where('deployments.status', 'in', NOT_STARTED_STATUSES)
    .where('deployments.id', '!=', deployment.id);
}

async function newerBuildWaiting(trx: Db, deployment: Deployment, configId: number): Promise<boolean> {
  const newer = await waitingOfSameBranch(trx, deployment, configId)
    .select('deployments.id')
    .where('deployments.build_id', '>', deployment.build_id)
    .limit(1)
    .executeTakeFirst();
  return newer !== undefined;
}

async function outdatedAutoDeployments(
  trx: Db,
  deployment: Deployment,
  configId: number,
): Promise<{ id: number }[]> {
  return waitingOfSameBranch(trx, deployment, configId)
    .select('deployments.id')
    .where('deployments.trigger', '=', 'auto')
    .where('deployments.build_id', '<=', deployment.build_id)
    .orderBy('deployments.id')
    .forUpdate()
    .execute();
}

/**
 * Aborts a deployment. A queued one (or one awaiting approval) is `canceled` at once. A running one is marked cancel-requested and
 * its runner is told (`canceling` on the deployment's topic); the runner then reports `canceled`. Asking
 * again while the runner aborts changes nothing. A finished deployment answers 409.
 */
export async function cancelDeployment(
  ctx: AppContext,
  trx: Db,
  deploymentId: number,
  actor: Actor,
): Promise<Deployment> {
  const current = await lockDeployment(trx, deploymentId);
  const requested = { cancel_requested_at: new Date(), cancel_requested_by: actor.id };
  if (current.status === 'queued' || current.status === 'awaiting_approval') {
    return transitionDeployment(ctx, trx, deploymentId, {
      to: 'canceled',
      actor,
      message: `canceled by ${actor.login ?? 'someone'}`,
      extra: requested,
    });
  }
  if (current.status !== 'running') {
    throw conflict('CONFLICT', `the deployment is ${current.status} already`, { status: current.status });
  }
  if (current.cancel_requested_at) return current;
  const updated = await trx
    .updateTable('deployments')
    .set({ ...requested, updated_at: new Date() })
    .where('id', '=', deploymentId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    actor,
    action: 'deployment_cancel_requested',
    entityType: 'deployment',
    entityId: deploymentId,
    projectId: current.project_id,
    before: { status: current.status },
    after: { status: current.status, cancel_requested: true },
  });
  await publish(trx, deploymentTopic(deploymentId), { status: 'canceling' });
  await publishProjectEvent(trx, deploymentListEvent(updated));
  return updated;
}
