import { sql } from 'kysely';
import { isFinalStatus, type LogBatchResponse, type LogLine } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Deployment } from '../db/schema.js';
import { publish } from '../events/bus.js';
import { notFound } from '../errors.js';
import { deploymentTopic } from '../deployments/transitions.js';
import { assertNotFinished, controlStatus } from './job-status.js';
import { appendLines, prepareLines } from '../logs/store.js';

/** A runner streaming a log is marked seen at most this often (DESIGN §3: proof of life). */
export const LOG_TOUCH_INTERVAL_SECONDS = 5;

type LockedJob = Pick<Deployment, 'status' | 'failure_reason' | 'cancel_requested_at' | 'runner_id'> & {
  last_log_n: number;
  log_bytes: number;
};

/**
 * Stores a batch of numbered lines in one transaction: it locks the deployment, refuses lines once the
 * job has ended (409), hands the lines to the log store (logs/store.ts: new lines become one compressed
 * chunk; a re-sent or overlapping batch adds nothing; past the head limit the tail rolls), extends the
 * lease, marks the runner seen (at most every few seconds) and wakes the live log streams once when lines
 * were added. The batch is encoded before the lock is taken; a crash before the commit stores nothing,
 * so the runner's re-sent batch is stored exactly once.
 */
export async function ingestLogBatch(
  ctx: AppContext,
  deploymentId: number,
  lines: LogLine[],
): Promise<LogBatchResponse> {
  // A NUL in a line arrives here as U+FFFD already: the log route replaces it (http/nul-characters.ts).
  const batch = prepareLines(firstOfEachNumber(lines));
  const limits = { headBytes: ctx.config.logHeadBytes, tailBytes: ctx.config.logTailBytes };
  const job = await ctx.db.transaction().execute(async (trx) => {
    const locked = await sql<LockedJob>`
      SELECT status, failure_reason, cancel_requested_at, runner_id, last_log_n, log_bytes
      FROM deployments WHERE id = ${deploymentId} FOR UPDATE`.execute(trx);
    const row = locked.rows[0];
    if (!row || isFinalStatus(row.status)) return row;
    const stored = await appendLines(trx, { id: deploymentId, ...row }, batch, limits);
    const lastN = Math.max(row.last_log_n, batch.lines.at(-1)?.n ?? 0);
    await sql`
      WITH updated AS (
        UPDATE deployments SET last_log_n = ${lastN}, log_bytes = log_bytes + ${stored.bytes},
          lease_expires_at = now() + make_interval(secs => ${ctx.config.leaseSeconds}), updated_at = now()
        WHERE id = ${deploymentId}
      ), seen AS (
        UPDATE runners SET last_seen_at = now()
        WHERE id = (
          SELECT id FROM runners
          WHERE id = ${row.runner_id} AND (last_seen_at IS NULL
             OR last_seen_at < now() - make_interval(secs => ${LOG_TOUCH_INTERVAL_SECONDS}))
          FOR UPDATE SKIP LOCKED
        )
      )
      SELECT 1`.execute(trx);
    if (stored.added > 0) await publish(trx, deploymentTopic(deploymentId), { last_n: lastN });
    return { ...row, last_log_n: lastN };
  });
  if (!job) throw notFound('deployment');
  assertNotFinished(job);
  return { last_n: job.last_log_n, status: controlStatus(job) };
}

/** The batch without later repeats of a line number (the first line sent under a number is kept). */
function firstOfEachNumber(lines: LogLine[]): LogLine[] {
  let previous = 0;
  let increasing = true;
  for (const line of lines) {
    if (line.n <= previous) increasing = false;
    previous = line.n;
  }
  if (increasing) return lines;
  const seen = new Set<number>();
  return lines.filter((line) => !seen.has(line.n) && seen.add(line.n));
}
