import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { AppError } from '../errors.js';
import { invalidField } from '../projects/validation.js';
import { GitlabClient, gitlabUrlProblem, normalizeGitlabUrl, type GitlabUser } from './client.js';
import { GitlabError } from './errors.js';

export interface ConnectionView {
  connected: boolean;
  gitlab_url: string | null;
  verified_username: string | null;
  last_error: string | null;
  updated_at: string | null;
}

export type VerifyResult =
  | { ok: true; user: Pick<GitlabUser, 'id' | 'username' | 'name'>; scopes: string[] | null }
  | { ok: false; error: { kind: string; message: string } };

export async function connectionView(db: Db, userId: number): Promise<ConnectionView> {
  const row = await db
    .selectFrom('gitlab_connections')
    .selectAll()
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return {
    connected: row !== undefined,
    gitlab_url: row?.gitlab_url ?? null,
    verified_username: row?.verified_username ?? null,
    last_error: row?.last_error ?? null,
    updated_at: row ? row.updated_at.toISOString() : null,
  };
}

/** Stores (or replaces) the user's GitLab URL and token; the token is encrypted and never shown again. */
export async function saveConnection(
  ctx: AppContext,
  actor: Actor,
  userId: number,
  input: { gitlab_url: string; token: string },
): Promise<ConnectionView> {
  const problem = gitlabUrlProblem(input.gitlab_url.trim());
  if (problem) throw invalidField('gitlab_url', problem);
  if (!input.token.trim()) throw invalidField('token', 'must not be empty');
  const gitlabUrl = normalizeGitlabUrl(input.gitlab_url);
  await ctx.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('gitlab_connections')
      .select('gitlab_url')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    const values = {
      gitlab_url: gitlabUrl,
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
      after: { gitlab_url: gitlabUrl, token: 'set' },
    });
  });
  return connectionView(ctx.db, userId);
}

export async function deleteConnection(ctx: AppContext, actor: Actor, userId: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const removed = await trx
      .deleteFrom('gitlab_connections')
      .where('user_id', '=', userId)
      .returning('gitlab_url')
      .executeTakeFirst();
    if (!removed) throw new AppError(404, 'NOT_FOUND', 'no GitLab connection is stored');
    await recordAudit(trx, {
      actor,
      action: 'gitlab_connection_deleted',
      entityType: 'gitlab_connection',
      entityId: userId,
      before: removed,
    });
  });
}

/** A client for the user's stored connection; 409 when the user has none. */
export async function clientFor(ctx: AppContext, userId: number): Promise<GitlabClient> {
  const row = await ctx.db
    .selectFrom('gitlab_connections')
    .select(['gitlab_url', 'token_encrypted'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) {
    throw new AppError(409, 'GITLAB_NOT_CONNECTED', 'connect GitLab first (PUT /api/v1/user/gitlab)');
  }
  return new GitlabClient(row.gitlab_url, ctx.secrets.decrypt(row.token_encrypted));
}

/**
 * A client for background work on an imported project: the connection of the user who imported (or last
 * re-synced) it, which must point at the project's GitLab.
 */
export async function clientForProject(
  ctx: AppContext,
  project: { gitlab_url: string | null; gitlab_user_id: number | null; owner_id: number | null },
): Promise<GitlabClient> {
  const userId = project.gitlab_user_id ?? project.owner_id;
  const row =
    userId === null || project.gitlab_url === null
      ? undefined
      : await ctx.db
          .selectFrom('gitlab_connections')
          .innerJoin('users', 'users.id', 'gitlab_connections.user_id')
          .select(['gitlab_connections.gitlab_url', 'gitlab_connections.token_encrypted', 'users.login'])
          .where('gitlab_connections.user_id', '=', userId)
          .executeTakeFirst();
  if (!row || row.gitlab_url !== project.gitlab_url) {
    throw new GitlabError(
      'not_connected',
      `no GitLab connection to ${project.gitlab_url ?? 'GitLab'} serves this project any more; ` +
        're-sync the project (POST /api/v1/projects/:id/gitlab/resync) with a connected account',
    );
  }
  return new GitlabClient(row.gitlab_url, ctx.secrets.decrypt(row.token_encrypted));
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
  const client = await clientFor(ctx, userId);
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
