import type { AppContext } from '../context.js';
import type { Deployment, Environment, User } from '../db/schema.js';
import type { Actor } from '../audit/service.js';
import { conflict, invalidValue, notFound, validationFailed } from '../errors.js';
import { NEEDS } from '../projects/access.js';
import { queueDeployment } from '../deployments/service.js';
import { holdEnvironment, resumeEnvironment } from './hold.js';
import { loadEnvironment } from './service.js';

/**
 * Holding, resuming and rolling back an environment (architecture.md §4, "Rollbacks and holds"): each
 * needs what deploying the project needs; each is one transaction with its audit event.
 */

/** Holds automatic deployment in the environment; 409 when it is held already. */
export async function holdByHand(
  ctx: AppContext,
  actor: Actor,
  user: User,
  id: number,
  reason: string,
): Promise<void> {
  const words = reason.trim();
  if (!words) throw invalidValue('reason', 'must say why');
  await ctx.db.transaction().execute(async (trx) => {
    const env = await loadEnvironment(trx, user, id, NEEDS.deploy, true);
    if (env.held_at) throw heldAlready(env);
    await holdEnvironment(trx, env, { ...actor, id: user.id }, words, null);
  });
}

function heldAlready(env: Environment) {
  return conflict('CONFLICT', `${env.name} is held already: ${env.hold_reason ?? ''}`, {
    held_by: env.held_by,
  });
}

/** Ends the environment's hold, so its waiting automatic deployments start; 409 when it is not held. */
export async function resumeByHand(ctx: AppContext, actor: Actor, user: User, id: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const env = await loadEnvironment(trx, user, id, NEEDS.deploy, true);
    if (!env.held_at) throw conflict('CONFLICT', `${env.name} is not held`);
    await resumeEnvironment(trx, env, actor);
  });
}

/**
 * Queues a person's deployment of the build of `deploymentId` (a succeeded deployment of the
 * environment whose build is older than the live one), by default the newest such; it is marked a
 * rollback and holds the environment (queueDeployment). 409 when there is nothing older to go back to.
 */
export async function rollBack(
  ctx: AppContext,
  actor: Actor,
  user: User,
  id: number,
  deploymentId: number | undefined,
): Promise<Deployment> {
  return ctx.db.transaction().execute(async (trx) => {
    // Not locked here: queueDeployment takes the environment's lock, then its row (one order for all).
    const env = await loadEnvironment(trx, user, id, NEEDS.deploy);
    const succeeded = () =>
      trx
        .selectFrom('deployments')
        .selectAll()
        .where('environment_id', '=', env.id)
        .where('status', '=', 'succeeded')
        .orderBy('id', 'desc');
    const live = await succeeded().limit(1).executeTakeFirst();
    if (!live) throw conflict('CONFLICT', `nothing has been deployed to ${env.name} yet`);
    let target: Deployment | undefined;
    if (deploymentId !== undefined) {
      target = await succeeded().where('id', '=', deploymentId).executeTakeFirst();
      if (!target) throw invalidValue('deployment_id', `is not a succeeded deployment of ${env.name}`);
      if (target.build_id >= live.build_id)
        throw conflict(
          'CONFLICT',
          `build #${target.build_id} is not older than build #${live.build_id}, live in ${env.name}`,
        );
    } else {
      target = await succeeded().where('build_id', '<', live.build_id).limit(1).executeTakeFirst();
      if (!target)
        throw conflict('CONFLICT', `${env.name} has no earlier successful deployment to roll back to`);
    }
    const build = await trx
      .selectFrom('builds')
      .selectAll()
      .where('id', '=', target.build_id)
      .executeTakeFirst();
    if (!build) throw notFound('build');
    const config = await trx
      .selectFrom('branch_configs')
      .selectAll()
      .where('project_id', '=', env.project_id)
      .where((eb) =>
        target.branch_config_id !== null
          ? eb('id', '=', target.branch_config_id)
          : eb('branch_name', '=', target.branch_name),
      )
      .executeTakeFirst();
    if (!config) {
      const message = `branch ${target.branch_name} has no deployment configuration`;
      throw validationFailed([{ field: 'deployment_id', message }]);
    }
    return queueDeployment(ctx, trx, build, config, 'user', { ...actor, id: user.id }, env.name);
  });
}
