import { sql } from 'kysely';
import type { DashboardCell, DashboardView } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import { deploymentRows, toDeploymentView, type DeploymentRow } from '../deployments/view.js';
import type { ProjectScope } from './service.js';

/**
 * The dashboard's matrix: every project in scope (by name) with its environments in pipeline order,
 * each with its live (last succeeded) deployment, its last attempt (the running one, else the latest)
 * when that is another, the next queued one and the queue's length. Three queries whatever the number
 * of projects: the environments, the deployments shown (one DISTINCT ON per role, on the
 * `(environment_id, id DESC)` index) and the queue counts.
 */
export async function dashboardMatrix(db: Db, scope: ProjectScope): Promise<DashboardView> {
  const shownIds = sql`
    (SELECT DISTINCT ON (environment_id) id FROM deployments
      WHERE project_id IN (${scope}) AND status = 'succeeded' ORDER BY environment_id, id DESC)
    UNION
    (SELECT DISTINCT ON (environment_id) id FROM deployments
      WHERE project_id IN (${scope}) ORDER BY environment_id, status = 'running' DESC, id DESC)
    UNION
    (SELECT DISTINCT ON (environment_id) id FROM deployments
      WHERE project_id IN (${scope}) AND status = 'queued' ORDER BY environment_id, id)`;
  const [environments, shown, queued] = await Promise.all([
    db
      .selectFrom('projects')
      .leftJoin('environments', 'environments.project_id', 'projects.id')
      .select([
        'projects.id as project_id',
        'projects.name as project_name',
        'environments.id',
        'environments.name',
        'environments.position',
        'environments.url',
      ])
      .where('projects.id', 'in', scope)
      .orderBy('projects.name')
      .orderBy('projects.id')
      .orderBy('environments.position')
      .orderBy('environments.name')
      .execute(),
    deploymentRows(db)
      .where(sql<boolean>`deployments.id IN (${shownIds})`)
      .execute(),
    db
      .selectFrom('deployments')
      .where('deployments.project_id', 'in', scope)
      .select(['deployments.environment_id', (eb) => eb.fn.countAll<number>().as('count')])
      .where('deployments.status', '=', 'queued')
      .groupBy('deployments.environment_id')
      .execute(),
  ]);

  const cells = new Map<number, DeploymentRow[]>();
  for (const row of shown) cells.set(row.environment_id, [...(cells.get(row.environment_id) ?? []), row]);
  const queuedBy = new Map(queued.map((row) => [row.environment_id, Number(row.count)]));
  const projects = new Map<number, DashboardView['projects'][number]>();
  for (const env of environments) {
    let project = projects.get(env.project_id);
    if (!project) {
      project = { id: env.project_id, name: env.project_name, environments: [] };
      projects.set(env.project_id, project);
    }
    if (env.id === null || env.name === null || env.position === null) continue;
    const environment = { id: env.id, name: env.name, position: env.position, url: env.url };
    project.environments.push(cellOf(environment, cells.get(env.id) ?? [], queuedBy.get(env.id) ?? 0));
  }
  return { projects: [...projects.values()] };
}

/** Picks live, last and waiting out of the (at most three) deployments shown for one environment. */
function cellOf(
  environment: DashboardCell['environment'],
  rows: DeploymentRow[],
  queued: number,
): DashboardCell {
  const live = rows.filter((r) => r.status === 'succeeded').sort((a, b) => b.id - a.id)[0];
  const running = rows.find((r) => r.status === 'running');
  const latest =
    running ?? rows.reduce<DeploymentRow | undefined>((a, r) => (a && a.id > r.id ? a : r), undefined);
  const waiting = rows.filter((r) => r.status === 'queued').sort((a, b) => a.id - b.id)[0];
  return {
    environment,
    live: live ? toDeploymentView(live) : null,
    last: latest && latest.id !== live?.id ? toDeploymentView(latest) : null,
    waiting: waiting ? toDeploymentView(waiting) : null,
    queued,
  };
}
