import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Project } from '../db/schema.js';

/** Background tasks of the GitLab integration (task-list.ts; registered through the forge seam, gitlab/forge.ts). */
/** Registers Polytene's webhook, or rewrites its URL and token (one task: see gitlab/hook.ts). */
export const SYNC_HOOK_TASK = 'gitlab_sync_hook';
/** The former name of SYNC_HOOK_TASK, still handled for jobs queued before it was renamed. */
export const REGISTER_HOOK_TASK = 'gitlab_register_hook';
export const REMOVE_HOOK_TASK = 'gitlab_remove_hook';
export const DEPLOY_KEYS_TASK = 'gitlab_deploy_keys';
export const REPORT_DEPLOYMENT_TASK = 'gitlab_report_deployment';

/** One queue per GitLab project: its calls run one at a time and in the order they were queued. */
export const gitlabQueue = (projectId: number) => `gitlab:${projectId}`;

export interface RemoveHookPayload {
  gitlab_url: string;
  /** Absent in jobs queued before instances existed (0008): then the instance is found by gitlab_url. */
  gitlab_instance_id?: number | null;
  gitlab_project_id: number;
  hook_id: number;
  user_id: number | null;
  project_id: number;
}

/**
 * Queues a job that brings Polytene's webhook in the GitLab project in line with the project (registered,
 * with the current URL and secret token); marks the hook pending at once, keeping `error` visible.
 */
export async function queueHookSync(
  ctx: AppContext,
  trx: Db,
  projectId: number,
  error: string | null = null,
): Promise<void> {
  const project = await trx
    .updateTable('projects')
    .set({ gitlab_hook_state: 'pending', gitlab_hook_error: error })
    .where('id', '=', projectId)
    .where('source', '=', 'gitlab')
    .where('gitlab_project_id', 'is not', null)
    .returning('id')
    .executeTakeFirst();
  if (!project) return;
  await ctx.jobs.add(
    trx,
    SYNC_HOOK_TASK,
    { project_id: projectId },
    { queueName: gitlabQueue(projectId), jobKey: `${SYNC_HOOK_TASK}:${projectId}`, maxAttempts: 10 },
  );
}

/** Queues (re)registration of the deploy keys of a GitLab project; marks its state pending at once. */
export async function queueDeployKeyRegistration(ctx: AppContext, trx: Db, projectId: number): Promise<void> {
  const project = await trx
    .updateTable('projects')
    .set({ deploy_key_state: 'pending', deploy_key_error: null })
    .where('id', '=', projectId)
    .where('source', '=', 'gitlab')
    .returning('id')
    .executeTakeFirst();
  if (!project) return;
  await ctx.jobs.add(
    trx,
    DEPLOY_KEYS_TASK,
    { project_id: projectId },
    { queueName: gitlabQueue(projectId), jobKey: `${DEPLOY_KEYS_TASK}:${projectId}`, maxAttempts: 10 },
  );
}

/**
 * Call inside the transaction that deletes `project`: its webhook is removed from GitLab afterwards by a
 * retrying job (the project row is gone by then, so the job carries what it needs).
 */
export async function queueGitlabCleanup(ctx: AppContext, trx: Db, project: Project): Promise<void> {
  if (project.source !== 'gitlab' || project.gitlab_hook_id === null || project.gitlab_project_id === null)
    return;
  const payload: RemoveHookPayload = {
    gitlab_url: project.gitlab_url!,
    gitlab_instance_id: project.gitlab_instance_id,
    gitlab_project_id: project.gitlab_project_id,
    hook_id: project.gitlab_hook_id,
    user_id: project.gitlab_user_id ?? project.owner_id,
    project_id: project.id,
  };
  await ctx.jobs.add(trx, REMOVE_HOOK_TASK, { ...payload }, { maxAttempts: 10 });
}
