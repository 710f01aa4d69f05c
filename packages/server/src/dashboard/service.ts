import { sql, type SelectQueryBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { deploymentRows, toDeploymentView, type DeploymentView } from '../deployments/view.js';

/** The ids of the projects a dashboard covers (a user's visible ones, or the public ones). */
export type ProjectScope = SelectQueryBuilder<Database, 'projects', { id: number }>;

export interface EnvironmentState {
  project: { id: number; name: string };
  environment: string;
  /** The running deployment when there is one, else the latest; null before the first deployment. */
  deployment: DeploymentView | null;
  queued: number;
}

/**
 * One entry per (project, environment) in scope — environments of branch configs and of past
 * deployments — running ones first, then by latest activity.
 */
export async function environmentStates(db: Db, scope: ProjectScope): Promise<EnvironmentState[]> {
  const [environments, current, queued] = await Promise.all([
    db
      .selectFrom('branch_configs')
      .innerJoin('projects', 'projects.id', 'branch_configs.project_id')
      .select(['projects.id as project_id', 'projects.name as project_name', 'branch_configs.environment'])
      .where('branch_configs.project_id', 'in', scope)
      .union(
        db
          .selectFrom('deployments')
          .innerJoin('projects', 'projects.id', 'deployments.project_id')
          .select(['projects.id as project_id', 'projects.name as project_name', 'deployments.environment'])
          .where('deployments.project_id', 'in', scope),
      )
      .execute(),
    deploymentRows(db)
      .where(
        'deployments.id',
        'in',
        db
          .selectFrom('deployments')
          .select('deployments.id')
          .distinctOn(['deployments.project_id', 'deployments.environment'])
          .where('deployments.project_id', 'in', scope)
          .orderBy('deployments.project_id')
          .orderBy('deployments.environment')
          .orderBy(sql`deployments.status = 'running'`, 'desc')
          .orderBy('deployments.id', 'desc'),
      )
      .execute(),
    db
      .selectFrom('deployments')
      .select(['project_id', 'environment', (eb) => eb.fn.countAll<number>().as('count')])
      .where('status', '=', 'queued')
      .where('project_id', 'in', scope)
      .groupBy(['project_id', 'environment'])
      .execute(),
  ]);
  const key = (projectId: number, environment: string) => `${projectId}\u0000${environment}`;
  const currentByKey = new Map(current.map((row) => [key(row.project_id, row.environment), row]));
  const queuedByKey = new Map(queued.map((row) => [key(row.project_id, row.environment), Number(row.count)]));
  const states = environments.map((env) => {
    const row = currentByKey.get(key(env.project_id, env.environment));
    return {
      project: { id: env.project_id, name: env.project_name },
      environment: env.environment,
      deployment: row ? toDeploymentView(row) : null,
      queued: queuedByKey.get(key(env.project_id, env.environment)) ?? 0,
    };
  });
  return states.sort(compareStates);
}

function compareStates(a: EnvironmentState, b: EnvironmentState): number {
  const running = Number(b.deployment?.status === 'running') - Number(a.deployment?.status === 'running');
  if (running !== 0) return running;
  const latest = (b.deployment?.id ?? 0) - (a.deployment?.id ?? 0);
  if (latest !== 0) return latest;
  return a.project.name.localeCompare(b.project.name) || a.environment.localeCompare(b.environment);
}

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
