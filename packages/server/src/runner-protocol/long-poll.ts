import type { Job } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Runner } from '../db/schema.js';
import { JOBS_TOPIC } from '../deployments/transitions.js';
import { claimJob } from './claim.js';

/**
 * Long poll: tries to claim a job, and again each time the event bus says work may be waiting (on any
 * server process), until one is claimed, `waitMs` passed or `signal` aborts (client gone, server
 * stopping). Subscribed before the first try, so a wake-up between two tries is never lost.
 */
export async function waitForJob(
  ctx: AppContext,
  runner: Runner,
  ip: string | null,
  waitMs: number,
  signal: AbortSignal,
): Promise<Job | null> {
  const deadline = Date.now() + waitMs;
  let woken = false;
  let wake: (() => void) | null = null;
  const onWake = () => {
    woken = true;
    wake?.();
  };
  const unsubscribe = ctx.bus.subscribe(JOBS_TOPIC, onWake);
  signal.addEventListener('abort', onWake);
  try {
    for (;;) {
      woken = false;
      const job = await claimJob(ctx, runner, ip);
      if (job) return job;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal.aborted) return null;
      if (woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      if (signal.aborted) return null;
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onWake);
  }
}
