import type { Task } from '../jobs/queue.js';
import type { AppContext } from '../context.js';
import { recordAudit, SYSTEM_ACTOR } from '../audit/service.js';
import { RUNNER_KEY_CHANGED_TASK } from '../runner-protocol/hello.js';
import { GitlabClient } from './client.js';
import { clientForProject } from './connection.js';
import { queueDeployKeysForRunner, syncDeployKeys } from './deploy-keys.js';
import { GitlabError } from './errors.js';
import { addHookAndStore } from './import.js';
import { reportDeployment } from './report.js';
import {
  DEPLOY_KEYS_TASK,
  REGISTER_HOOK_TASK,
  REMOVE_HOOK_TASK,
  REPORT_DEPLOYMENT_TASK,
  type RemoveHookPayload,
} from './tasks.js';

interface ProjectPayload {
  project_id: number;
}

/** Registers a webhook that failed at import because GitLab was away; retried by the queue. */
async function registerHookLater(ctx: AppContext, projectId: number): Promise<void> {
  const project = await ctx.db
    .selectFrom('projects')
    .selectAll()
    .where('id', '=', projectId)
    .executeTakeFirst();
  if (!project || project.gitlab_hook_id !== null || project.gitlab_project_id === null) return;
  try {
    await addHookAndStore(ctx, await clientForProject(ctx, project), project);
  } catch (error) {
    if (!(error instanceof GitlabError)) throw error;
    await ctx.db
      .updateTable('projects')
      .set({ gitlab_hook_error: error.message })
      .where('id', '=', projectId)
      .execute();
    if (error.transient) throw error;
  }
}

/** Removes the webhook of a deleted project; a permanent failure is written to the audit log. */
async function removeHook(ctx: AppContext, payload: RemoveHookPayload): Promise<void> {
  const connection = payload.user_id
    ? await ctx.db
        .selectFrom('gitlab_connections')
        .select(['gitlab_url', 'token_encrypted'])
        .where('user_id', '=', payload.user_id)
        .where('gitlab_url', '=', payload.gitlab_url)
        .executeTakeFirst()
    : undefined;
  try {
    if (!connection) {
      throw new GitlabError(
        'not_connected',
        `no GitLab connection to ${payload.gitlab_url} is left to remove the webhook`,
      );
    }
    const client = new GitlabClient(connection.gitlab_url, ctx.secrets.decrypt(connection.token_encrypted));
    await client.removeHook(payload.gitlab_project_id, payload.hook_id);
  } catch (error) {
    if (!(error instanceof GitlabError)) throw error;
    if (error.transient) throw error;
    await recordAudit(ctx.db, {
      actor: SYSTEM_ACTOR,
      action: 'gitlab_hook_removal_failed',
      entityType: 'project',
      entityId: payload.project_id,
      projectId: payload.project_id,
      after: { gitlab_project_id: payload.gitlab_project_id, hook_id: payload.hook_id, error: error.message },
    });
  }
}

/** The GitLab integration's tasks, by name, for jobs/tasks.ts. */
export function gitlabTasks(ctx: AppContext): Record<string, Task> {
  return {
    [REGISTER_HOOK_TASK]: (payload) => registerHookLater(ctx, (payload as ProjectPayload).project_id),
    [REMOVE_HOOK_TASK]: (payload) => removeHook(ctx, payload as RemoveHookPayload),
    [DEPLOY_KEYS_TASK]: (payload) => syncDeployKeys(ctx, (payload as ProjectPayload).project_id),
    [RUNNER_KEY_CHANGED_TASK]: (payload) =>
      queueDeployKeysForRunner(ctx, (payload as { runner_id: number }).runner_id),
    [REPORT_DEPLOYMENT_TASK]: (payload) =>
      reportDeployment(ctx, (payload as { deployment_id: number }).deployment_id),
  };
}
