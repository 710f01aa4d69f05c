import { sql } from 'kysely';
import { FINAL_STATUSES, type LogBatchResponse, type LogLine } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Deployment } from '../db/schema.js';
import { EVENTS_CHANNEL } from '../events/bus.js';
import { notFound } from '../errors.js';
import { deploymentTopic } from '../deployments/transitions.js';
import { assertNotFinished, controlStatus } from './job-status.js';

/** A runner streaming a log is marked seen at most this often (architecture.md §5: proof of life). */
export const LOG_TOUCH_INTERVAL_SECONDS = 5;

type IngestRow = Pick<Deployment, 'status' | 'failure_reason' | 'cancel_requested_at'> & {
  last_log_n: number;
  added: number;
};

/**
 * Stores a batch of numbered lines in one SQL statement (one round trip, one commit): it locks the
 * deployment, refuses lines once the job has ended (409), inserts the batch, extends the lease, marks the
 * runner seen (at most every few seconds) and wakes the live log streams once when lines were added.
 *
 * Lines above the highest stored number go in with a plain INSERT; only lines at or below it (a re-sent
 * or overlapping batch) take the `ON CONFLICT DO NOTHING` path, so a re-sent line adds nothing and the
 * common case pays no conflict check. A number repeated inside one batch keeps its first line.
 */
export async function ingestLogBatch(
  ctx: AppContext,
  deploymentId: number,
  lines: LogLine[],
): Promise<LogBatchResponse> {
  const batch = firstOfEachNumber(lines);
  // A NUL in a line arrives here as U+FFFD already: the log route replaces it (http/nul-characters.ts).
  const texts = batch.map((l) => l.text);
  const result = await sql<IngestRow>`
    WITH job AS (
      SELECT id, runner_id, status, failure_reason, cancel_requested_at, last_log_n,
             status <> ALL (${FINAL_STATUSES}::text[]) AS open
      FROM deployments WHERE id = ${deploymentId}
      FOR UPDATE
    ), batch AS (
      SELECT * FROM unnest(${batch.map((l) => l.n)}::int[], ${batch.map((l) => l.stream)}::text[],
                           ${batch.map((l) => l.t)}::timestamptz[], ${texts}::text[]) AS b(n, stream, t, text)
    ), fresh AS (
      INSERT INTO log_lines (deployment_id, n, stream, t, text)
      SELECT job.id, b.n, b.stream, b.t, b.text FROM job, batch b WHERE job.open AND b.n > job.last_log_n
      RETURNING n, octet_length(text) AS bytes
    ), resent AS (
      INSERT INTO log_lines (deployment_id, n, stream, t, text)
      SELECT job.id, b.n, b.stream, b.t, b.text FROM job, batch b WHERE job.open AND b.n <= job.last_log_n
      ON CONFLICT (deployment_id, n) DO NOTHING
      RETURNING n, octet_length(text) AS bytes
    ), stored AS (
      SELECT count(*)::int AS added, max(n) AS last_n, COALESCE(sum(bytes), 0) AS bytes
      FROM (SELECT * FROM fresh UNION ALL SELECT * FROM resent) AS s
    ), updated AS (
      UPDATE deployments d SET
        last_log_n = GREATEST(d.last_log_n, COALESCE(stored.last_n, 0)),
        log_bytes = d.log_bytes + stored.bytes,
        lease_expires_at = now() + make_interval(secs => ${ctx.config.leaseSeconds}),
        updated_at = now()
      FROM job, stored WHERE d.id = job.id AND job.open
      RETURNING d.last_log_n
    ), seen AS (
      UPDATE runners SET last_seen_at = now()
      WHERE id = (
        SELECT r.id FROM runners r JOIN job ON r.id = job.runner_id
        WHERE r.last_seen_at IS NULL
           OR r.last_seen_at < now() - make_interval(secs => ${LOG_TOUCH_INTERVAL_SECONDS})
        FOR UPDATE OF r SKIP LOCKED
      )
    )
    SELECT job.status, job.failure_reason, job.cancel_requested_at, now_n.last_log_n, stored.added,
           CASE WHEN stored.added > 0 THEN pg_notify(${EVENTS_CHANNEL}, json_build_object(
             'topic', ${deploymentTopic(deploymentId)}::text, 'data', json_build_object('last_n', now_n.last_log_n)
           )::text) END AS notified
    FROM job CROSS JOIN stored LEFT JOIN updated ON true
    CROSS JOIN LATERAL (SELECT COALESCE(updated.last_log_n, job.last_log_n) AS last_log_n) AS now_n`.execute(
    ctx.db,
  );
  const row = result.rows[0];
  if (!row) throw notFound('deployment');
  assertNotFinished(row);
  return { last_n: row.last_log_n, status: controlStatus(row) };
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
