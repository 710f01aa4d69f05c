import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { deleteLogs } from '../logs/store.js';

export const LOG_RETENTION_TASK = 'log_retention';
export const LOG_RETENTION_JOB_KEY = 'log-retention';
export const LOG_RETENTION_EVERY_SECONDS = 24 * 3600;
const CHUNK = 50;

/**
 * Deletes the logs of deployments that finished more than `logRetentionDays` ago, except the last
 * `logRetentionKeepPerEnvironment` finished ones of each (project, environment), and marks them with
 * `logs_deleted_at`. A few deployments per transaction. Returns the ids whose logs went.
 */
export async function deleteOldLogs(ctx: AppContext, now = new Date()): Promise<number[]> {
  const { logRetentionDays: days, logRetentionKeepPerEnvironment: keep } = ctx.config;
  if (days === 0) return [];
  const cutoff = new Date(now.getTime() - days * 24 * 3600 * 1000);
  const old = await sql<{ id: number }>`
    SELECT id FROM (
      SELECT id, finished_at, logs_deleted_at,
             row_number() OVER (PARTITION BY project_id, environment ORDER BY finished_at DESC, id DESC) AS recent
      FROM deployments WHERE finished_at IS NOT NULL
    ) ranked
    WHERE recent > ${keep} AND finished_at < ${cutoff} AND logs_deleted_at IS NULL
    ORDER BY id`.execute(ctx.db);
  const ids = old.rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    await ctx.db.transaction().execute(async (trx) => {
      await deleteLogs(trx, chunk);
      await trx.updateTable('deployments').set({ logs_deleted_at: now }).where('id', 'in', chunk).execute();
    });
  }
  return ids;
}
