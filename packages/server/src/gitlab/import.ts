import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Project, User } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { conflict } from '../errors.js';
import { hashToken } from '../secrets.js';
import type { GitlabClient, GitlabProject, PageInfo } from './client.js';
import { clientFor, recordConnectionError, type ConnectedClient } from './connection.js';
import { GitlabError, gitlabAppError } from './errors.js';
import { addHookAndStore, recordHookError } from './hook.js';
import type { InstanceView } from './instances.js';
import { queueDeployKeyRegistration, queueHookSync } from './tasks.js';

export interface ListedProject {
  id: number;
  name: string;
  path_with_namespace: string;
  default_branch: string | null;
  web_url: string;
  ssh_url_to_repo: string;
  http_url_to_repo: string;
  description: string | null;
  last_activity_at: string | null;
  /** The Polytene project it was imported as, if any. */
  imported_as: number | null;
}

/** Runs a GitLab call for `user`; a failure is stored on the connection and answered as 502 naming it. */
async function withConnection<T>(
  ctx: AppContext,
  user: User,
  run: (connected: ConnectedClient) => Promise<T>,
): Promise<T> {
  const connected = await clientFor(ctx, user.id);
  try {
    return await run(connected);
  } catch (error) {
    if (!(error instanceof GitlabError)) throw error;
    await recordConnectionError(ctx.db, user.id, error);
    throw gitlabAppError(error);
  }
}

/** One page of the GitLab projects the user's token sees, marked with what is imported already. */
export async function listGitlabProjects(
  ctx: AppContext,
  user: User,
  query: { search?: string; page: number; perPage: number },
): Promise<{ projects: ListedProject[]; page_info: PageInfo }> {
  return withConnection(ctx, user, async ({ client, instance }) => {
    const { projects, pageInfo } = await client.listProjects(query);
    const imported = await importedIds(
      ctx.db,
      instance.id,
      projects.map((p) => p.id),
    );
    return {
      projects: projects.map((p) => ({
        id: p.id,
        name: p.name,
        path_with_namespace: p.path_with_namespace,
        default_branch: p.default_branch,
        web_url: p.web_url,
        ssh_url_to_repo: p.ssh_url_to_repo,
        http_url_to_repo: p.http_url_to_repo,
        description: p.description ?? null,
        last_activity_at: p.last_activity_at ?? null,
        imported_as: imported.get(p.id) ?? null,
      })),
      page_info: pageInfo,
    };
  });
}

async function importedIds(db: Db, instanceId: number, ids: number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('projects')
    .select(['id', 'gitlab_project_id'])
    .where('gitlab_instance_id', '=', instanceId)
    .where('gitlab_project_id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.gitlab_project_id!, r.id]));
}

/**
 * Imports GitLab projects: each becomes a Polytene project owned by `user` (GitLab ids, clone and web
 * URLs, default branch, a new webhook secret) with a branch config for its default branch notifying the
 * user, all in one transaction; then Polytene's webhook is registered in each GitLab project. A project
 * imported before is refused (409) before anything is written.
 */
export async function importProjects(
  ctx: AppContext,
  actor: Actor,
  user: User,
  gitlabIds: number[],
): Promise<Project[]> {
  const ids = [...new Set(gitlabIds)];
  return withConnection(ctx, user, async ({ client, instance }) => {
    const already = await importedIds(ctx.db, instance.id, ids);
    if (already.size > 0) {
      const list = [...already].map(
        ([gitlabId, projectId]) => `GitLab project ${gitlabId} is Polytene project ${projectId}`,
      );
      throw conflict('CONFLICT', `already imported: ${list.join('; ')}`, {
        imported: [...already].map(([gitlab_project_id, project_id]) => ({ gitlab_project_id, project_id })),
      });
    }
    const sources: GitlabProject[] = [];
    for (const id of ids) sources.push(await client.project(id));
    const created = await ctx.db.transaction().execute(async (trx) => {
      const rows: Project[] = [];
      for (const source of sources) rows.push(await insertImported(ctx, trx, actor, user, instance, source));
      return rows;
    });
    for (const project of created) await registerHook(ctx, client, project);
    return reload(
      ctx.db,
      created.map((p) => p.id),
    );
  });
}

async function insertImported(
  ctx: AppContext,
  trx: Db,
  actor: Actor,
  user: User,
  instance: InstanceView,
  source: GitlabProject,
): Promise<Project> {
  const secret = randomBytes(24).toString('base64url');
  const defaultBranch = source.default_branch ?? 'main';
  const project = await trx
    .insertInto('projects')
    .values({
      name: source.path_with_namespace,
      source: 'gitlab',
      gitlab_url: instance.url,
      gitlab_instance_id: instance.id,
      gitlab_project_id: source.id,
      gitlab_user_id: user.id,
      clone_url: source.ssh_url_to_repo,
      http_url: source.http_url_to_repo,
      web_url: source.web_url,
      default_branch: defaultBranch,
      owner_id: user.id,
      webhook_secret_encrypted: ctx.secrets.encrypt(secret),
      webhook_secret_hash: hashToken(secret),
      gitlab_hook_state: 'pending',
    })
    .onConflict((oc) =>
      oc
        .columns(['gitlab_instance_id', 'gitlab_project_id'])
        .where('gitlab_project_id', 'is not', null)
        .doNothing(),
    )
    .returningAll()
    .executeTakeFirst();
  if (!project)
    throw conflict(
      'CONFLICT',
      `GitLab project ${source.path_with_namespace} was imported by someone else just now`,
    );
  const config = await trx
    .insertInto('branch_configs')
    .values({ project_id: project.id, branch_name: defaultBranch, notification_emails: [user.email] })
    .returningAll()
    .executeTakeFirstOrThrow();
  // Shared runners take any project's deployments, so their keys must be deploy keys here too.
  const shared = await trx
    .selectFrom('runners')
    .select('id')
    .where('shared', '=', true)
    .where('active', '=', true)
    .executeTakeFirst();
  if (shared) await queueDeployKeyRegistration(ctx, trx, project.id);
  await recordAudit(trx, {
    actor,
    action: 'project_imported',
    entityType: 'project',
    entityId: project.id,
    projectId: project.id,
    after: { ...project, branch_config: config },
  });
  return project;
}

/** Registers the webhook now; when GitLab fails, the error is stored and a retrying job takes over. */
export async function registerHook(ctx: AppContext, client: GitlabClient, project: Project): Promise<void> {
  try {
    await addHookAndStore(ctx, client, project);
  } catch (error) {
    if (!(error instanceof GitlabError)) throw error;
    if (!error.transient) return recordHookError(ctx.db, project.id, error);
    await ctx.db.transaction().execute((trx) => queueHookSync(ctx, trx, project.id, error.message));
  }
}

async function reload(db: Db, ids: number[]): Promise<Project[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('projects').selectAll().where('id', 'in', ids).orderBy('id').execute();
}

/**
 * Refreshes name, clone and web URLs and default branch from GitLab, registers the webhook when it is
 * missing (else queues rewriting its URL and token) and queues the deploy keys again. Uses the connection of the user who asks.
 */
export async function resyncProject(
  ctx: AppContext,
  actor: Actor,
  user: User,
  project: Project,
): Promise<Project> {
  if (project.source !== 'gitlab' || project.gitlab_project_id === null) {
    throw conflict('CONFLICT', 'this project was not imported from GitLab');
  }
  return withConnection(ctx, user, async ({ client, instance }) => {
    if (instance.id !== project.gitlab_instance_id) {
      throw conflict(
        'CONFLICT',
        `your GitLab connection is to ${instance.url}, this project lives in ${project.gitlab_url}`,
      );
    }
    const source = await client.project(project.gitlab_project_id!);
    const changes = {
      name: source.path_with_namespace,
      clone_url: source.ssh_url_to_repo,
      http_url: source.http_url_to_repo,
      web_url: source.web_url,
      default_branch: source.default_branch ?? project.default_branch,
    };
    const updated = await ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('projects')
        .set({ ...changes, gitlab_user_id: user.id, updated_at: new Date() })
        .where('id', '=', project.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, {
        actor,
        action: 'project_gitlab_resynced',
        entityType: 'project',
        entityId: project.id,
        projectId: project.id,
        before: pick(project, Object.keys(changes)),
        after: changes,
      });
      await queueDeployKeyRegistration(ctx, trx, project.id);
      if (row.gitlab_hook_id !== null) await queueHookSync(ctx, trx, project.id);
      return row;
    });
    if (updated.gitlab_hook_id === null) await registerHook(ctx, client, updated);
    return (await reload(ctx.db, [project.id]))[0]!;
  });
}

function pick(record: Project, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, (record as unknown as Record<string, unknown>)[k]]));
}
