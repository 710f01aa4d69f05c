import { sql } from 'kysely';
import type { LogBatchResponse, LogLine } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import { publish } from '../events/bus.js';
import { deploymentTopic } from '../deployments/transitions.js';
import { assertNotFinished, controlStatus } from './job-status.js';

/** PostgreSQL text cannot hold NUL; such characters are stored as U+FFFD. */
const NUL = String.fromCharCode(0);

/**
 * Stores a batch of numbered lines with one multi-row INSERT; lines already stored (a re-sent batch) are
 * left alone. Extends the lease, and wakes the live log streams once per batch that added lines.
 * Lines sent after the job ended are refused (409).
 */
export async function ingestLogBatch(
  ctx: AppContext,
  deploymentId: number,
  lines: LogLine[],
): Promise<LogBatchResponse> {
  return ctx.db.transaction().execute(async (trx) => {
    const deployment = await trx
      .selectFrom('deployments')
      .select(['status', 'failure_reason', 'cancel_requested_at'])
      .where('id', '=', deploymentId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    assertNotFinished(deployment);
    const result = await sql<{ last_log_n: number; added: number }>`
      WITH batch AS (
        SELECT * FROM unnest(${lines.map((l) => l.n)}::int[], ${lines.map((l) => l.stream)}::text[],
                             ${lines.map((l) => l.t)}::timestamptz[],
                             ${lines.map((l) => l.text.replaceAll(NUL, '\uFFFD'))}::text[]) AS b(n, stream, t, text)
      ), stored AS (
        INSERT INTO log_lines (deployment_id, n, stream, t, text)
        SELECT ${deploymentId}, n, stream, t, text FROM batch
        ON CONFLICT (deployment_id, n) DO NOTHING
        RETURNING n, octet_length(text) AS bytes
      )
      UPDATE deployments SET
        last_log_n = GREATEST(last_log_n, COALESCE((SELECT max(n) FROM stored), 0)),
        log_bytes = log_bytes + COALESCE((SELECT sum(bytes) FROM stored), 0),
        lease_expires_at = ${new Date(Date.now() + ctx.config.leaseSeconds * 1000)},
        updated_at = now()
      WHERE id = ${deploymentId}
      RETURNING last_log_n, (SELECT count(*) FROM stored)::int AS added`.execute(trx);
    const row = result.rows[0]!;
    if (row.added > 0) await publish(trx, deploymentTopic(deploymentId), { last_n: row.last_log_n });
    return { last_n: row.last_log_n, status: controlStatus(deployment) };
  });
}
