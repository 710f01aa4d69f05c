import { sql } from 'kysely';
import type { WaitingFor } from '@polytene/protocol';
import type { WaitingCheck } from './check.js';

/**
 * No runner that may take it is online: the project's own runner is paused or offline (not seen within
 * one lease), or the project has none and no active shared runner is online (architecture.md §4, "Who
 * deploys a project").
 */
export const missingRunnerCheck: WaitingCheck = async (ctx, waiting) => {
  const online = sql<boolean>`runners.last_seen_at > now() - make_interval(secs => ${ctx.config.leaseSeconds})`;
  const projects = await ctx.db
    .selectFrom('projects')
    .leftJoin('runners', 'runners.id', 'projects.runner_id')
    .select([
      'projects.id',
      'runners.id as runner_id',
      'runners.name as runner_name',
      'runners.active',
      'runners.last_seen_at',
      'runners.updated_at as runner_updated_at',
      online.as('online'),
    ])
    .where(
      'projects.id',
      'in',
      waiting.map((d) => d.project_id),
    )
    .execute();
  const shared = await ctx.db
    .selectFrom('runners')
    .select([
      sql<number>`count(*) FILTER (WHERE ${online})::int`.as('online'),
      sql<Date | null>`max(runners.last_seen_at)`.as('last_seen_at'),
      sql<number>`count(*)::int`.as('registered'),
    ])
    .where('shared', '=', true)
    .where('active', '=', true)
    .executeTakeFirstOrThrow();
  const byProject = new Map<number, WaitingFor>();
  for (const project of projects) {
    const missing = missingRunner(project, shared);
    if (missing) byProject.set(project.id, missing);
  }
  const reasons = new Map<number, WaitingFor>();
  for (const deployment of waiting) {
    const reason = byProject.get(deployment.project_id);
    if (reason) reasons.set(deployment.id, reason);
  }
  return reasons;
};

interface ProjectRunner {
  runner_id: number | null;
  runner_name: string | null;
  active: boolean | null;
  last_seen_at: Date | null;
  runner_updated_at: Date | null;
  online: boolean | null;
}

function missingRunner(
  project: ProjectRunner,
  shared: { online: number; last_seen_at: Date | null; registered: number },
): WaitingFor | null {
  if (project.runner_id !== null) {
    const runner = { id: project.runner_id, name: project.runner_name };
    if (!project.active)
      return {
        reason: 'no_runner',
        message: `no online runner for this project: runner ${runner.name} is paused`,
        runner: { ...runner, state: 'paused', since: project.runner_updated_at?.toISOString() ?? null },
      };
    if (project.online) return null;
    const since = project.last_seen_at?.toISOString() ?? null;
    return {
      reason: 'no_runner',
      message: `no online runner for this project: runner ${runner.name} is offline${since ? ` since ${since}` : ''}`,
      runner: { ...runner, state: 'offline', since },
    };
  }
  if (shared.online > 0) return null;
  if (shared.registered === 0)
    return {
      reason: 'no_runner',
      message: 'no runner may take it: the project has no runner and there is no shared one',
      runner: { id: null, name: null, state: 'none', since: null },
    };
  const since = shared.last_seen_at?.toISOString() ?? null;
  return {
    reason: 'no_runner',
    message: `no online runner for this project: every shared runner is offline${since ? ` (last seen ${since})` : ''}`,
    runner: { id: null, name: null, state: 'offline', since },
  };
}
