import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Runner } from '../db/schema.js';
import type { DeploymentChangeHandler } from '../deployments/changes.js';
import type { Task } from '../jobs/queue.js';
import { RUNNER_KEY_CHANGED_TASK } from '../runner-protocol/hello.js';
import { allForges, forgeFor } from './forge.js';

/** The deployment follow-up that tells the project's forge (if any) about a status change. */
export const reportToForge: DeploymentChangeHandler = async (ctx, change) => {
  const project = await ctx.db
    .selectFrom('deployments')
    .innerJoin('projects', 'projects.id', 'deployments.project_id')
    .selectAll('projects')
    .where('deployments.id', '=', change.deployment_id)
    .executeTakeFirst();
  if (project) await forgeFor(project)?.reportDeployment(ctx, project, change);
};

/**
 * Every forge's background tasks, plus RUNNER_KEY_CHANGED_TASK, which tells each forge that a runner
 * changed (each forge's answer is idempotent, so a retry after one failed repeats the others harmlessly).
 */
export function forgeTasks(ctx: AppContext): Record<string, Task> {
  const tasks: Record<string, Task> = {};
  for (const forge of allForges()) {
    for (const [name, task] of Object.entries(forge.tasks(ctx))) {
      if (name in tasks) throw new Error(`two forges name the task ${name}`);
      tasks[name] = task;
    }
  }
  tasks[RUNNER_KEY_CHANGED_TASK] = async (payload) => {
    const { runner_id, all_projects } = payload as { runner_id: number; all_projects?: boolean };
    for (const forge of allForges()) await forge.runnerChanged(ctx, runner_id, all_projects === true);
  };
  return tasks;
}

/**
 * Call inside the transaction that changes a runner (runners/service.ts): when it became shared or
 * unshared, or was paused or resumed, the forges register the deploy keys of the projects it serves again.
 */
export async function queueDeployKeysAfterRunnerChange(
  ctx: AppContext,
  trx: Db,
  before: Runner,
  after: Runner,
): Promise<void> {
  const sharing = before.shared !== after.shared;
  if (!sharing && before.active === after.active) return;
  await ctx.jobs.add(trx, RUNNER_KEY_CHANGED_TASK, { runner_id: after.id, all_projects: sharing });
}
