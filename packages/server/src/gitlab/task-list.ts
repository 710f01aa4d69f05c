import type { Task } from '../jobs/queue.js';
import type { AppContext } from '../context.js';
import { recordAudit, SYSTEM_ACTOR } from '../audit/service.js';
import { GitlabClient } from './client.js';
import { syncDeployKeys } from './deploy-keys.js';
import { GitlabError } from './errors.js';
import { syncHook } from './hook.js';
import { reportDeployment } from './report.js';
import {
  DEPLOY_KEYS_TASK,
  REGISTER_HOOK_TASK,
  REMOVE_HOOK_TASK,
  REPORT_DEPLOYMENT_TASK,
  SYNC_HOOK_TASK,
  type RemoveHookPayload,
} from './tasks.js';

interface ProjectPayload {
  project_id: number;
}

/**
 * Removes the webhook of a deleted project. The project is gone, so a failure is written to the audit log
 * (action gitlab_hook_removal_failed, with GitLab's reason): at once when permanent, and when a transient
 * one outlasts the last retry.
 */
async function removeHook(ctx: AppContext, payload: RemoveHookPayload, lastAttempt: boolean): Promise<void> {
  const connection = payload.user_id
    ? await ctx.db
        .selectFrom('gitlab_connections')
        .innerJoin('gitlab_instances', 'gitlab_instances.id', 'gitlab_connections.instance_id')
        .select(['gitlab_instances.url', 'gitlab_connections.token_encrypted'])
        .where('gitlab_connections.user_id', '=', payload.user_id)
        .where((eb) =>
          payload.gitlab_instance_id
            ? eb('gitlab_instances.id', '=', payload.gitlab_instance_id)
            : eb('gitlab_instances.url', '=', payload.gitlab_url),
        )
        .executeTakeFirst()
    : undefined;
  try {
    if (!connection) {
      throw new GitlabError(
        'not_connected',
        `no GitLab connection to ${payload.gitlab_url} is left to remove the webhook`,
      );
    }
    const client = new GitlabClient(connection.url, ctx.secrets.decrypt(connection.token_encrypted));
    await client.removeHook(payload.gitlab_project_id, payload.hook_id);
  } catch (error) {
    if (!(error instanceof GitlabError)) throw error;
    if (error.transient && !lastAttempt) throw error;
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

/** The GitLab integration's tasks, by name (registered through the forge seam: gitlab/forge.ts). */
export function gitlabTasks(ctx: AppContext): Record<string, Task> {
  return {
    [SYNC_HOOK_TASK]: (payload) => syncHook(ctx, (payload as ProjectPayload).project_id),
    [REGISTER_HOOK_TASK]: (payload) => syncHook(ctx, (payload as ProjectPayload).project_id),
    [REMOVE_HOOK_TASK]: (payload, helpers) =>
      removeHook(ctx, payload as RemoveHookPayload, helpers.job.attempts >= helpers.job.max_attempts),
    [DEPLOY_KEYS_TASK]: (payload) => syncDeployKeys(ctx, (payload as ProjectPayload).project_id),
    [REPORT_DEPLOYMENT_TASK]: (payload) =>
      reportDeployment(ctx, (payload as { deployment_id: number }).deployment_id),
  };
}
