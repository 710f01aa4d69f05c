import { DEPLOYMENT_MESSAGES } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import { transitionDeployment } from '../deployments/transitions.js';

export const REAP_LEASES_TASK = 'reap_leases';
export const REAP_LEASES_JOB_KEY = 'reap-leases';

/**
 * Ends every running deployment whose runner went silent past its lease: `canceled` when a cancel was
 * requested (the abort was wanted anyway), otherwise `failed` / `runner_lost`. Each in its own
 * transaction, re-checked under the row lock, so a runner reporting at the same moment wins or loses
 * cleanly. Returns the ids it ended. For one lease after this process started, only leases that ran out
 * since then count (a server restart is not a lost runner).
 */
export async function reapExpiredLeases(ctx: AppContext, now = new Date()): Promise<number[]> {
  const graceUntil = ctx.startedAt.getTime() + ctx.config.leaseSeconds * 1000;
  // A lease that ran out while this process was down is no sign that its runner is gone: the runner
  // was retrying against a server that did not answer. It gets one lease from the start to report again.
  const inGrace = now.getTime() < graceUntil;
  const expired = await ctx.db
    .selectFrom('deployments')
    .select('id')
    .where('status', '=', 'running')
    .where((eb) => eb.or([eb('lease_expires_at', '<', now), eb('lease_expires_at', 'is', null)]))
    .$if(inGrace, (qb) => qb.where('lease_expires_at', '>=', ctx.startedAt))
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
          ? { to: 'canceled', message: DEPLOYMENT_MESSAGES.canceled_runner_silent }
          : {
              to: 'failed',
              failureReason: 'runner_lost',
              message: DEPLOYMENT_MESSAGES.lease_expired,
            },
      );
      return true;
    });
    if (done) ended.push(id);
  }
  return ended;
}
