import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Project } from '../db/schema.js';
import type { GitlabClient } from './client.js';
import { clientForProject, linkedGitlabProject } from './connection.js';
import { GitlabError } from './errors.js';

export function webhookUrlOf(ctx: AppContext, projectId: number): string {
  return `${ctx.publicUrl}/api/v1/projects/${projectId}/hooks/gitlab`;
}

/** Adds Polytene's webhook to the GitLab project with the project's current secret, and stores its id. */
export async function addHookAndStore(
  ctx: AppContext,
  client: GitlabClient,
  project: Project,
): Promise<void> {
  const secret = ctx.secrets.decrypt(project.webhook_secret_encrypted);
  const hook = await client.addHook(project.gitlab_project_id!, webhookUrlOf(ctx, project.id), secret);
  await ctx.db
    .updateTable('projects')
    .set({ gitlab_hook_id: hook.id, gitlab_hook_state: 'registered', gitlab_hook_error: null })
    .where('id', '=', project.id)
    .execute();
}

/** Stores why the webhook could not be registered or updated: pending while worth retrying, else failed. */
export async function recordHookError(db: Db, projectId: number, error: GitlabError): Promise<void> {
  await db
    .updateTable('projects')
    .set({ gitlab_hook_state: error.transient ? 'pending' : 'failed', gitlab_hook_error: error.message })
    .where('id', '=', projectId)
    .execute();
}

/**
 * The job behind queueHookSync: makes Polytene's webhook in the GitLab project match the project. An
 * existing hook gets the current URL and secret token (PUT, as after the secret was regenerated); a missing
 * one (never registered, or deleted in GitLab: 404) is added. The secret is read when the job runs, so
 * quick successive regenerations end with GitLab holding the latest. A transient failure stays pending
 * and is retried with backoff; a permanent one is failed with GitLab's reason.
 */
export async function syncHook(ctx: AppContext, projectId: number): Promise<void> {
  const project = await linkedGitlabProject(ctx.db, projectId);
  if (!project) return;
  const gitlabProjectId = project.gitlab_project_id;
  try {
    const client = await clientForProject(ctx, project);
    const secret = ctx.secrets.decrypt(project.webhook_secret_encrypted);
    const url = webhookUrlOf(ctx, project.id);
    let hookId = project.gitlab_hook_id;
    if (hookId !== null) {
      try {
        await client.updateHook(gitlabProjectId, hookId, url, secret);
      } catch (error) {
        if (!(error instanceof GitlabError && error.kind === 'not_found')) throw error;
        hookId = null;
      }
    }
    if (hookId === null) hookId = (await client.addHook(gitlabProjectId, url, secret)).id;
    await ctx.db
      .updateTable('projects')
      .set({ gitlab_hook_id: hookId })
      .where('id', '=', projectId)
      .execute();
    // Registered only if the secret sent is still the project's; a newer one has its own job queued.
    await ctx.db
      .updateTable('projects')
      .set({ gitlab_hook_state: 'registered', gitlab_hook_error: null })
      .where('id', '=', projectId)
      .where('webhook_secret_hash', '=', project.webhook_secret_hash)
      .execute();
  } catch (error) {
    if (!(error instanceof GitlabError)) throw error;
    await recordHookError(ctx.db, projectId, error);
    if (error.transient) throw error;
  }
}
