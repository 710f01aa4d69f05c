import { sql, type SelectQueryBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';

/** The ids of the projects a dashboard covers (a user's visible ones, or the public ones). */
export type ProjectScope = SelectQueryBuilder<Database, 'projects', { id: number }>;

export interface DayCount {
  date: string;
  succeeded: number;
  failed: number;
}

/**
 * Finished deployments per UTC day over the last `days` days (today included), zero days included;
 * with `triggeredBy`, only the deployments that user started.
 */
export async function deploymentsPerDay(
  db: Db,
  scope: ProjectScope,
  days: number,
  triggeredBy?: number,
): Promise<DayCount[]> {
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const first = new Date(today.getTime() - (days - 1) * 86_400_000);
  const rows = await db
    .selectFrom('deployments')
    .select([
      sql<string>`to_char(deployments.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`.as('date'),
      sql<number>`count(*) FILTER (WHERE deployments.status = 'succeeded')`.as('succeeded'),
      sql<number>`count(*) FILTER (WHERE deployments.status = 'failed')`.as('failed'),
    ])
    .where('deployments.status', 'in', ['succeeded', 'failed'])
    .where('deployments.finished_at', '>=', first)
    .where('deployments.project_id', 'in', scope)
    .$if(triggeredBy !== undefined, (qb) => qb.where('deployments.triggered_by', '=', triggeredBy ?? 0))
    .groupBy(sql`1`)
    .execute();
  const byDate = new Map(rows.map((row) => [row.date, row]));
  return Array.from({ length: days }, (_, i) => {
    const date = new Date(first.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    const row = byDate.get(date);
    return { date, succeeded: Number(row?.succeeded ?? 0), failed: Number(row?.failed ?? 0) };
  });
}
