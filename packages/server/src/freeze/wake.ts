import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { publish } from '../events/bus.js';
import { deploymentListEvent, publishProjectEvent } from '../events/lists.js';
import { JOBS_TOPIC, lockDeployment, transitionDeployment } from '../deployments/transitions.js';

/**
 * Freezes end on their own, with nothing happening to wake anybody (architecture.md §4, "Freeze
 * windows"): a job at the end of an environment's freeze wakes the runners waiting for work and tells
 * open pages, and a sweep every minute cancels deployments that waited in a freeze longer than their
 * environment allows and makes sure every frozen environment with waiting deployments has its wake-up.
 */
export const FREEZE_WAKE_TASK = 'freeze_wake';
export const FREEZE_SWEEP_TASK = 'freeze_sweep';
export const FREEZE_SWEEP_JOB_KEY = 'freeze_sweep';
export const FREEZE_SWEEP_EVERY_SECONDS = 60;

/** When the freeze of the environment in force now ends; null when it is not frozen. */
export async function frozenUntil(db: Db, environmentId: number): Promise<Date | null> {
  const { rows } = await sql<{
    until: Date | null;
  }>`SELECT environment_frozen_until(${environmentId}, now()) AS until`.execute(db);
  return rows[0]?.until ?? null;
}

/**
 * Schedules the wake-up at the end of the environment's freeze, when it is frozen now (one job per
 * environment: a later call moves it). Returns the end. Commits with `trx`.
 */
export async function scheduleFreezeWake(
  ctx: AppContext,
  trx: Db,
  environmentId: number,
): Promise<Date | null> {
  const until = await frozenUntil(trx, environmentId);
  if (until)
    await ctx.jobs.add(
      trx,
      FREEZE_WAKE_TASK,
      { environment_id: environmentId },
      { runAt: until, jobKey: `freeze_wake:${environmentId}`, maxAttempts: 5 },
    );
  return until;
}

/**
 * What may start now has changed in the environment (a freeze ended, a window went, an override): wakes
 * the runners and re-announces each of its queued deployments, so pages fetch why they wait.
 */
export async function wakeEnvironment(trx: Db, environmentId: number): Promise<void> {
  const queued = await trx
    .selectFrom('deployments')
    .selectAll()
    .where('environment_id', '=', environmentId)
    .where('status', '=', 'queued')
    .execute();
  const first = queued[0];
  if (!first) return;
  await publish(trx, JOBS_TOPIC, { project_id: first.project_id, environment: first.environment });
  for (const deployment of queued) await publishProjectEvent(trx, deploymentListEvent(deployment));
}

/** The wake-up task: wakes the environment, and schedules the next one if it is (still) frozen. */
export async function runFreezeWake(ctx: AppContext, environmentId: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await wakeEnvironment(trx, environmentId);
    const until = await frozenUntil(trx, environmentId);
    // A wake-up that came a moment early must not schedule itself again for the same instant at once.
    if (until && until.getTime() > Date.now() + 1000) await scheduleFreezeWake(ctx, trx, environmentId);
  });
}

/** Queued, not overridden, in a frozen environment: what the freeze holds back (SQL on `deployments d`). */
const heldByFreeze = sql<boolean>`d.status = 'queued' AND d.freeze_override_at IS NULL
  AND environment_frozen_until(d.environment_id, now()) IS NOT NULL`;

/**
 * Cancels each deployment that has waited in a freeze longer than its environment's
 * `freeze_expire_hours` since it was queued (audited as the system), and schedules the wake-up of every
 * frozen environment where deployments wait. Returns the ids canceled.
 */
export async function sweepFreezes(ctx: AppContext): Promise<number[]> {
  const { rows: expired } = await sql<{ id: number; hours: number }>`
    SELECT d.id, e.freeze_expire_hours AS hours FROM deployments d
    JOIN environments e ON e.id = d.environment_id
    WHERE e.freeze_expire_hours IS NOT NULL
      AND d.queued_at + make_interval(hours => e.freeze_expire_hours) <= now() AND ${heldByFreeze}
    ORDER BY d.id`.execute(ctx.db);
  const canceled: number[] = [];
  for (const { id, hours } of expired) {
    await ctx.db.transaction().execute(async (trx) => {
      const current = await lockDeployment(trx, id);
      if (current.status !== 'queued' || current.freeze_override_at) return;
      if (!(await frozenUntil(trx, current.environment_id))) return;
      await transitionDeployment(ctx, trx, id, {
        to: 'canceled',
        actor: SYSTEM_ACTOR,
        message: `canceled: waited in a freeze of ${current.environment} for more than ${hours} h`,
      });
      canceled.push(id);
    });
  }
  const { rows: frozen } = await sql<{ environment_id: number }>`
    SELECT DISTINCT d.environment_id FROM deployments d WHERE ${heldByFreeze}`.execute(ctx.db);
  for (const { environment_id } of frozen)
    await ctx.db.transaction().execute((trx) => scheduleFreezeWake(ctx, trx, environment_id));
  return canceled;
}
