import type { AppContext } from '../context.js';
import { transitionDeployment } from '../deployments/transitions.js';

export const REAP_LEASES_TASK = 'reap_leases';
export const REAP_LEASES_JOB_KEY = 'reap-leases';

/**
 * Ends every running deployment whose runner went silent past its lease: `canceled` when a cancel was
 * requested (the abort was wanted anyway), otherwise `failed` / `runner_lost`. Each in its own
 * transaction, re-checked under the row lock, so a runner reporting at the same moment wins or loses
 * cleanly. Returns the ids it ended.
 */
export async function reapExpiredLeases(ctx: AppContext, now = new Date()): Promise<number[]> {
  const expired = await ctx.db
    .selectFrom('deployments')
    .select('id')
    .where('status', '=', 'running')
    .where((eb) => eb.or([eb('lease_expires_at', '<', now), eb('lease_expires_at', 'is', null)]))
    .orderBy('id')
    .execute();
  const ended: number[] = [];
  for (const { id } of expired) {
    const done = await ctx.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('deployments')
        .select(['cancel_requested_at'])
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where((eb) => eb.or([eb('lease_expires_at', '<', now), eb('lease_expires_at', 'is', null)]))
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!current) return false;
      await transitionDeployment(
        ctx,
        trx,
        id,
        current.cancel_requested_at
          ? { to: 'canceled', message: 'canceled; the runner stopped reporting' }
          : {
              to: 'failed',
              failureReason: 'runner_lost',
              message: 'the runner stopped reporting (lease expired)',
            },
      );
      return true;
    });
    if (done) ended.push(id);
  }
  return ended;
}
