import { sql } from 'kysely';
import type { DashboardView } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import { deploymentRows, deploymentViews } from '../deployments/view.js';
import { environmentStates, stateOf } from '../environments/live.js';
import { environmentHolds } from '../environments/hold.js';
import type { ProjectScope } from './service.js';

/**
 * The dashboard's matrix: every project in scope (by name) with its environments in pipeline order,
 * each with what is live, its last attempt and how many wait (environments/live.ts), and the next
 * deployment to start with why it waits. A fixed set of queries whatever the number of projects: the
 * environments, their states (three), the next deployments (one DISTINCT ON on the
 * `(environment_id, id DESC)` index) and their waiting reasons (one batch).
 */
export async function dashboardMatrix(ctx: AppContext, scope: ProjectScope): Promise<DashboardView> {
  const { db } = ctx;
  const environments = await db
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
    .execute();
  const ids = environments.flatMap((env) => (env.id === null ? [] : [env.id]));
  const nextIds = sql`SELECT DISTINCT ON (environment_id) id FROM deployments
    WHERE environment_id = ANY(${ids}::bigint[]) AND started_at IS NULL AND finished_at IS NULL
    ORDER BY environment_id, id`;
  const [states, holds, nextRows] = await Promise.all([
    environmentStates(db, ids),
    environmentHolds(db, ids),
    ids.length
      ? deploymentRows(db)
          .where(sql<boolean>`deployments.id IN (${nextIds})`)
          .execute()
      : [],
  ]);
  const next = new Map((await deploymentViews(ctx, nextRows)).map((view) => [view.environment_id, view]));

  const projects = new Map<number, DashboardView['projects'][number]>();
  for (const env of environments) {
    let project = projects.get(env.project_id);
    if (!project) {
      project = { id: env.project_id, name: env.project_name, environments: [] };
      projects.set(env.project_id, project);
    }
    if (env.id === null || env.name === null || env.position === null) continue;
    const state = stateOf(states, env.id);
    project.environments.push({
      environment: { id: env.id, name: env.name, position: env.position, url: env.url },
      live: state.live,
      last: state.last,
      next: next.get(env.id) ?? null,
      waiting: state.waiting,
      hold: holds.get(env.id) ?? null,
      frozen_until: state.frozen_until,
    });
  }
  return { projects: [...projects.values()] };
}
