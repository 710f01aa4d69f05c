import { sql, type RawBuilder } from 'kysely';
import { FINAL_STATUSES, isFinalStatus, type LogBatchResponse, type LogLine } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Deployment } from '../db/schema.js';
import type { Db } from '../db/database.js';
import { EVENTS_CHANNEL, publish } from '../events/bus.js';
import { notFound } from '../errors.js';
import { deploymentTopic } from '../deployments/transitions.js';
import { deploymentListEvent, publishProjectEvent } from '../events/lists.js';
import { indexSections, markerLines } from '../logs/sections.js';
import { assertNotFinished, controlStatus } from './job-status.js';
import {
  appendLines,
  insertAsNewChunk,
  prepareLines,
  type LogLimits,
  type PreparedLines,
} from '../logs/store.js';

/** A runner streaming a log is marked seen at most this often (architecture.md §5: proof of life). */
export const LOG_TOUCH_INTERVAL_SECONDS = 5;

type JobRow = Pick<Deployment, 'status' | 'failure_reason' | 'cancel_requested_at' | 'runner_id'> & {
  last_log_n: number;
  log_bytes: number;
};

/**
 * Stores a batch of numbered lines: it locks the deployment, refuses lines once the job has ended (409),
 * hands the lines to the log store (logs/store.ts), extends the lease, marks the runner seen (at most
 * every few seconds) and wakes the live log streams once when lines were added, all in one commit. The
 * batch is encoded before the lock is taken. The usual batch (new lines, room in the head) is one SQL
 * statement, one round trip; any other (a re-sent or overlapping batch, a small one, past the head
 * limit) a transaction in which the store adds only what it does not have. A crash before the commit
 * stores nothing, so the runner's re-sent batch is stored exactly once.
 */
export async function ingestLogBatch(
  ctx: AppContext,
  deploymentId: number,
  lines: LogLine[],
): Promise<LogBatchResponse> {
  ctx.metrics.logsReceived(lines);
  // A NUL in a line arrives here as U+FFFD already: the log route replaces it (http/nul-characters.ts).
  const batch = prepareLines(firstOfEachNumber(lines));
  const limits = { headBytes: ctx.config.logHeadBytes, tailBytes: ctx.config.logTailBytes };
  const lastSent = batch.lines.at(-1)?.n ?? 0;
  // A batch with section or phase markers (rare) goes the transaction's way, which indexes them.
  const markers = markerLines(batch.lines);
  if (markers.length > 0) {
    const job = await ctx.db
      .transaction()
      .execute((trx) => ingestInTransaction(ctx, trx, deploymentId, batch, limits, markers));
    if (!job) throw notFound('deployment');
    assertNotFinished(job);
    return { last_n: job.last_log_n, status: controlStatus(job) };
  }
  const quick = await sql<JobRow & { stored: boolean }>`
    WITH job AS (
      SELECT id, runner_id, status, failure_reason, cancel_requested_at, last_log_n, log_bytes,
             status <> ALL (${FINAL_STATUSES}::text[]) AS open
      FROM deployments WHERE id = ${deploymentId}
      FOR UPDATE
    ), fresh AS (${insertAsNewChunk(batch, limits)}
    ), updated AS (
      ${updateJob(ctx, deploymentId, lastSent, sql`(SELECT bytes FROM fresh)`)} AND EXISTS (SELECT 1 FROM fresh)
    ), seen AS (
      ${touchRunner(sql`(SELECT runner_id FROM job)`)} AND EXISTS (SELECT 1 FROM fresh)
    )
    SELECT job.status, job.failure_reason, job.cancel_requested_at, job.runner_id, job.log_bytes,
           CASE WHEN fresh.lines IS NULL THEN job.last_log_n ELSE GREATEST(job.last_log_n, ${lastSent}) END
             AS last_log_n,
           fresh.lines IS NOT NULL AS stored,
           CASE WHEN fresh.lines IS NOT NULL THEN pg_notify(${EVENTS_CHANNEL}, json_build_object(
             'topic', ${deploymentTopic(deploymentId)}::text,
             'data', json_build_object('last_n', GREATEST(job.last_log_n, ${lastSent}))
           )::text) END AS notified
    FROM job LEFT JOIN fresh ON true`.execute(ctx.db);
  let job: JobRow | undefined = quick.rows[0];
  if (job && !quick.rows[0]!.stored && !isFinalStatus(job.status)) {
    job = await ctx.db
      .transaction()
      .execute((trx) => ingestInTransaction(ctx, trx, deploymentId, batch, limits, []));
  }
  if (!job) throw notFound('deployment');
  assertNotFinished(job);
  return { last_n: job.last_log_n, status: controlStatus(job) };
}

/**
 * Any batch but the usual one: the store works out what is new with the deployment locked, and the
 * marker lines above the last line stored before are indexed (logs/sections.ts).
 */
async function ingestInTransaction(
  ctx: AppContext,
  trx: Db,
  deploymentId: number,
  batch: PreparedLines,
  limits: LogLimits,
  markers: PreparedLines['lines'],
): Promise<JobRow | undefined> {
  const locked = await sql<JobRow>`
    SELECT status, failure_reason, cancel_requested_at, runner_id, last_log_n, log_bytes
    FROM deployments WHERE id = ${deploymentId} FOR UPDATE`.execute(trx);
  const row = locked.rows[0];
  if (!row || isFinalStatus(row.status)) return row;
  const stored = await appendLines(trx, { id: deploymentId, ...row }, batch, limits);
  const lastN = Math.max(row.last_log_n, batch.lines.at(-1)?.n ?? 0);
  await sql`
    WITH updated AS (${updateJob(ctx, deploymentId, lastN, sql`${stored.bytes}::bigint`)}),
    seen AS (${touchRunner(sql`${row.runner_id}::bigint`)})
    SELECT 1`.execute(trx);
  if (stored.added > 0) await publish(trx, deploymentTopic(deploymentId), { last_n: lastN });
  if (markers.length > 0) {
    const phaseChanged = await indexSections(trx, deploymentId, row.last_log_n, markers);
    if (phaseChanged) await publishProjectEvent(trx, deploymentListEvent(phaseChanged));
  }
  return { ...row, last_log_n: lastN };
}

/** Moves the deployment's last line and byte count and extends its lease (the WHERE clause goes on). */
function updateJob(ctx: AppContext, deploymentId: number, lastN: number, bytes: RawBuilder<unknown>) {
  return sql`UPDATE deployments SET
      last_log_n = GREATEST(last_log_n, ${lastN}), log_bytes = log_bytes + ${bytes},
      lease_expires_at = now() + make_interval(secs => ${ctx.config.leaseSeconds}), updated_at = now()
    WHERE id = ${deploymentId}`;
}

/** Marks the runner seen unless it was within LOG_TOUCH_INTERVAL_SECONDS (the WHERE clause goes on). */
function touchRunner(runnerId: RawBuilder<unknown>) {
  return sql`UPDATE runners SET last_seen_at = now()
    WHERE id = (
      SELECT id FROM runners
      WHERE id = ${runnerId} AND (last_seen_at IS NULL
         OR last_seen_at < now() - make_interval(secs => ${LOG_TOUCH_INTERVAL_SECONDS}))
      FOR UPDATE SKIP LOCKED
    )`;
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
