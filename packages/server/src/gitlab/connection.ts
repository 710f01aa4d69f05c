import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { conflict, notFound } from '../errors.js';
import { invalidField } from '../projects/validation.js';
import { GitlabClient, type GitlabUser } from './client.js';
import { GitlabError } from './errors.js';
import { findInstance, type InstanceView } from './instances.js';

export interface ConnectionView {
  connected: boolean;
  /** The admin-configured GitLab the token is for. */
  instance: InstanceView | null;
  /** The instance's URL, as before instances existed. */
  gitlab_url: string | null;
  verified_username: string | null;
  last_error: string | null;
  updated_at: string | null;
}

export type VerifyResult =
  | { ok: true; user: Pick<GitlabUser, 'id' | 'username' | 'name'>; scopes: string[] | null }
  | { ok: false; error: { kind: string; message: string } };

/** A client for a stored connection, with the instance it talks to. */
export interface ConnectedClient {
  client: GitlabClient;
  instance: InstanceView;
}

/** A user's GitLab connections joined with their instances. */
function connectionsOf(db: Db, userId: number) {
  return db
    .selectFrom('gitlab_connections')
    .innerJoin('gitlab_instances', 'gitlab_instances.id', 'gitlab_connections.instance_id')
    .where('gitlab_connections.user_id', '=', userId);
}

/** A project that is linked to a GitLab project, with its GitLab id; null for any other. */
export async function linkedGitlabProject(db: Db, projectId: number) {
  const project = await db.selectFrom('projects').selectAll().where('id', '=', projectId).executeTakeFirst();
  if (!project || project.source !== 'gitlab' || project.gitlab_project_id === null) return null;
  return { ...project, gitlab_project_id: project.gitlab_project_id };
}

export async function connectionView(db: Db, userId: number): Promise<ConnectionView> {
  const row = await connectionsOf(db, userId)
    .select([
      'gitlab_instances.id',
      'gitlab_instances.name',
      'gitlab_instances.url',
      'gitlab_connections.verified_username',
      'gitlab_connections.last_error',
      'gitlab_connections.updated_at',
    ])
    .executeTakeFirst();
  return {
    connected: row !== undefined,
    instance: row ? { id: row.id, name: row.name, url: row.url } : null,
    gitlab_url: row?.url ?? null,
    verified_username: row?.verified_username ?? null,
    last_error: row?.last_error ?? null,
    updated_at: row ? row.updated_at.toISOString() : null,
  };
}

/**
 * Stores (or replaces) the user's token for one of the GitLab instances an admin configured; the token is
 * encrypted and never shown again. The URL is the instance's: nothing the user types is an address.
 */
export async function saveConnection(
  ctx: AppContext,
  actor: Actor,
  userId: number,
  input: { instance_id: number; token: string },
): Promise<ConnectionView> {
  if (!input.token.trim()) throw invalidField('token', 'must not be empty');
  await ctx.db.transaction().execute(async (trx) => {
    const instance = await findInstance(trx, input.instance_id);
    if (!instance) {
      throw notFound(
        'GitLab instance',
        `there is no GitLab instance ${input.instance_id}; ask an administrator to add your GitLab instance`,
        [{ field: 'instance_id', message: 'is not a configured GitLab instance' }],
      );
    }
    const before = await trx
      .selectFrom('gitlab_connections')
      .select('instance_id')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    const values = {
      instance_id: instance.id,
      token_encrypted: ctx.secrets.encrypt(input.token.trim()),
      verified_username: null,
      last_error: null,
      updated_at: new Date(),
    };
    await trx
      .insertInto('gitlab_connections')
      .values({ user_id: userId, ...values })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
      .execute();
    await recordAudit(trx, {
      actor,
      action: 'gitlab_connection_saved',
      entityType: 'gitlab_connection',
      entityId: userId,
      before: before ?? null,
      after: { instance_id: instance.id, gitlab_url: instance.url, token: 'set' },
    });
  });
  return connectionView(ctx.db, userId);
}

export async function deleteConnection(ctx: AppContext, actor: Actor, userId: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const removed = await trx
      .deleteFrom('gitlab_connections')
      .where('user_id', '=', userId)
      .returning('instance_id')
      .executeTakeFirst();
    if (!removed) throw notFound('GitLab connection', 'no GitLab connection is stored');
    await recordAudit(trx, {
      actor,
      action: 'gitlab_connection_deleted',
      entityType: 'gitlab_connection',
      entityId: userId,
      before: removed,
    });
  });
}

/** The user's connection (token and its instance), when the user has one. */
async function storedConnection(db: Db, userId: number, instanceId?: number | null) {
  let query = connectionsOf(db, userId).select([
    'gitlab_instances.id',
    'gitlab_instances.name',
    'gitlab_instances.url',
    'gitlab_connections.token_encrypted',
  ]);
  if (instanceId !== undefined && instanceId !== null)
    query = query.where('gitlab_connections.instance_id', '=', instanceId);
  return query.executeTakeFirst();
}

/** A client for the user's stored connection, at its instance's URL; 409 when the user has none. */
export async function clientFor(ctx: AppContext, userId: number): Promise<ConnectedClient> {
  const row = await storedConnection(ctx.db, userId);
  if (!row) {
    throw conflict('GITLAB_NOT_CONNECTED', 'connect GitLab first (PUT /api/v1/user/gitlab)');
  }
  return {
    client: new GitlabClient(row.url, ctx.secrets.decrypt(row.token_encrypted)),
    instance: { id: row.id, name: row.name, url: row.url },
  };
}

/**
 * A client for background work on an imported project: the connection of the user who imported (or last
 * re-synced) it, which must be to the project's GitLab instance; the URL is the instance's.
 */
export async function clientForProject(
  ctx: AppContext,
  project: {
    gitlab_url: string | null;
    gitlab_instance_id: number | null;
    gitlab_user_id: number | null;
    owner_id: number | null;
  },
): Promise<GitlabClient> {
  const userId = project.gitlab_user_id ?? project.owner_id;
  const row =
    userId === null || project.gitlab_instance_id === null
      ? undefined
      : await storedConnection(ctx.db, userId, project.gitlab_instance_id);
  if (!row) {
    throw new GitlabError(
      'not_connected',
      `no GitLab connection to ${project.gitlab_url ?? 'GitLab'} serves this project any more; ` +
        're-sync the project (POST /api/v1/projects/:id/gitlab/resync) with a connected account',
    );
  }
  return new GitlabClient(row.url, ctx.secrets.decrypt(row.token_encrypted));
}

/** Stores the latest failure (or success: null) of the user's connection, for the profile page. */
export async function recordConnectionError(
  db: Db,
  userId: number,
  error: GitlabError | null,
): Promise<void> {
  await db
    .updateTable('gitlab_connections')
    .set({ last_error: error ? error.message : null, updated_at: new Date() })
    .where('user_id', '=', userId)
    .execute();
}

/** Asks GitLab who the token belongs to and whether it may write (the `api` scope); stores the outcome. */
export async function verifyConnection(ctx: AppContext, userId: number): Promise<VerifyResult> {
  const { client } = await clientFor(ctx, userId);
  try {
    const user = await client.currentUser();
    const scopes = await client.tokenScopes();
    if (scopes && !scopes.includes('api')) {
      throw new GitlabError(
        'insufficient_scope',
        `the token of ${user.username} has the scopes ${scopes.join(', ')}; Polytene needs "api" to register webhooks, deploy keys and deployments`,
        403,
      );
    }
    await ctx.db
      .updateTable('gitlab_connections')
      .set({ verified_username: user.username, last_error: null, updated_at: new Date() })
      .where('user_id', '=', userId)
      .execute();
    return { ok: true, user: { id: user.id, username: user.username, name: user.name }, scopes };
  } catch (caught) {
    if (!(caught instanceof GitlabError)) throw caught;
    const error = caught.kind === 'not_found' ? noApiAt(client.baseUrl, caught) : caught;
    await recordConnectionError(ctx.db, userId, error);
    return { ok: false, error: { kind: error.kind, message: error.message } };
  }
}

/** GET /user exists on every GitLab: a 404 means the URL is not GitLab's base URL. */
function noApiAt(baseUrl: string, error: GitlabError): GitlabError {
  return new GitlabError(
    'not_found',
    `${baseUrl} has no GitLab API (404 for GET ${baseUrl}/api/v4/user): check that the URL is the address of ` +
      'the GitLab instance, such as https://gitlab.example.com, without a path to a group or project',
    error.status,
  );
}
