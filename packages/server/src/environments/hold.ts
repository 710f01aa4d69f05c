import type { EnvironmentHold } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import type { Environment } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { publish } from '../events/bus.js';
import { publishProjectEvent } from '../events/lists.js';
import { JOBS_TOPIC } from '../deployments/transitions.js';

/**
 * Holds (architecture.md §4, "Rollbacks and holds"): while an environment is held its automatic
 * deployments queue but do not start (runner-protocol/claim-blockers.ts, deployments/waiting/hold.ts);
 * a person's deploy still runs. A rollback holds the environment; anyone who may deploy resumes it.
 */

/** The hold of each of `environmentIds` that is held, with who held it. */
export async function environmentHolds(
  db: Db,
  environmentIds: readonly number[],
): Promise<Map<number, EnvironmentHold>> {
  const holds = new Map<number, EnvironmentHold>();
  if (!environmentIds.length) return holds;
  const rows = await db
    .selectFrom('environments')
    .innerJoin('users', 'users.id', 'environments.held_by')
    .select([
      'environments.id',
      'environments.held_at',
      'environments.hold_reason',
      'environments.held_by_deployment_id',
      'users.id as user_id',
      'users.login',
    ])
    .where('environments.id', 'in', [...environmentIds])
    .where('environments.held_at', 'is not', null)
    .execute();
  for (const row of rows)
    holds.set(row.id, {
      by: { id: row.user_id, login: row.login },
      at: (row.held_at ?? new Date()).toISOString(),
      reason: row.hold_reason ?? '',
      deployment_id: row.held_by_deployment_id,
    });
  return holds;
}

/** Words for a hold, as a waiting deployment's message says it. */
export function holdMessage(hold: EnvironmentHold): string {
  const how = hold.deployment_id !== null ? 'held after rollback' : 'held';
  return `automatic deployment ${how} by ${hold.by.login}: ${hold.reason}`;
}

function auditedHold(env: Environment) {
  return {
    held_by: env.held_by,
    held_at: env.held_at,
    hold_reason: env.hold_reason,
    held_by_deployment_id: env.held_by_deployment_id,
  };
}

/**
 * Holds `env` (locked by the caller) for `actor`, replacing a hold it has; audited `environment_held`
 * and announced to open lists, in the caller's transaction.
 */
export async function holdEnvironment(
  trx: Db,
  env: Environment,
  actor: Actor & { id: number },
  reason: string,
  deploymentId: number | null,
): Promise<Environment> {
  const hold = {
    held_by: actor.id,
    held_at: new Date(),
    hold_reason: reason,
    held_by_deployment_id: deploymentId,
  };
  return changeHold(trx, env, actor, hold, 'environment_held');
}

/** Ends the hold of `env` (locked by the caller); audited `environment_resumed`; wakes the runners. */
export async function resumeEnvironment(trx: Db, env: Environment, actor: Actor): Promise<Environment> {
  const none = { held_by: null, held_at: null, hold_reason: null, held_by_deployment_id: null };
  const after = await changeHold(trx, env, actor, none, 'environment_resumed');
  await publish(trx, JOBS_TOPIC, { project_id: env.project_id, environment: env.name });
  return after;
}

/** Stores the hold columns of `env`, audits the change as `action` and announces it to open lists. */
async function changeHold(
  trx: Db,
  env: Environment,
  actor: Actor,
  hold: Pick<Environment, 'held_by' | 'held_at' | 'hold_reason' | 'held_by_deployment_id'>,
  action: 'environment_held' | 'environment_resumed',
): Promise<Environment> {
  const after = await trx
    .updateTable('environments')
    .set({ ...hold, updated_at: new Date() })
    .where('id', '=', env.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    actor,
    action,
    entityType: 'environment',
    entityId: env.id,
    projectId: env.project_id,
    before: auditedHold(env),
    after: auditedHold(after),
  });
  await announceHold(trx, after);
  return after;
}

function announceHold(trx: Db, env: Environment): Promise<void> {
  return publishProjectEvent(trx, {
    kind: 'environment',
    project_id: env.project_id,
    environment_id: env.id,
    change: 'updated',
  });
}
