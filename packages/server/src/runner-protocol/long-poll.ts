import type { Job } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Runner } from '../db/schema.js';
import { claimJob } from './claim.js';

/**
 * Long poll: tries to claim a job, and again each time dispatch (dispatch.ts) wakes this waiter because
 * a job it may take became claimable (on any server process), and once more when `waitMs` has passed
 * (the safety re-check), until one is claimed, the time is up or `signal` aborts (client gone, server
 * stopping). Registered before the first try, so a wake-up during a try is never lost: it tries again.
 */
export async function waitForJob(
  ctx: AppContext,
  runner: Runner,
  ip: string | null,
  waitMs: number,
  signal: AbortSignal,
): Promise<Job | null> {
  const deadline = Date.now() + waitMs;
  const waiter = ctx.dispatch.waiters.add({ id: runner.id, shared: runner.shared });
  const onAbort = () => waiter.remove();
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      if (signal.aborted) return null;
      const job = await claimJob(ctx, runner, ip);
      ctx.metrics.jobClaim(job !== null);
      if (job) {
        waiter.remove();
        // More may wait: the next waiter that may take it is woken.
        ctx.dispatch.poke();
        return job;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal.aborted) return null;
      await waiter.next(remaining);
    }
  } finally {
    waiter.remove();
    signal.removeEventListener('abort', onAbort);
  }
}
