import { Type } from 'typebox';
import { FORGE_SYNC_STATES } from '@polytene/protocol';
import type { App } from '../http/types.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import { NEEDS, loadProject } from '../projects/access.js';
import { connectionView, deleteConnection, saveConnection, verifyConnection } from './connection.js';
import { importProjects, listGitlabProjects, resyncProject } from './import.js';
import { gitlabInstanceRoutes, Instance } from './instance-routes.js';
import { gitlabStatusOf } from './status.js';

const ConnectionView = Type.Object({
  connected: Type.Boolean(),
  instance: Type.Union([Instance, Type.Null()]),
  gitlab_url: Type.Union([Type.String({ description: "the instance's URL" }), Type.Null()]),
  verified_username: Type.Union([Type.String(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  updated_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const ConnectionBody = Type.Object(
  {
    instance_id: Type.Integer({
      minimum: 1,
      description: 'one of GET /api/v1/gitlab/instances (configured by an administrator)',
    }),
    token: Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'a personal access token with the api scope',
    }),
  },
  { additionalProperties: false },
);
const VerifyResult = Type.Object({
  ok: Type.Boolean(),
  user: Type.Optional(Type.Object({ id: Type.Integer(), username: Type.String(), name: Type.String() })),
  scopes: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
  error: Type.Optional(Type.Object({ kind: Type.String(), message: Type.String() })),
});
const ListQuery = Type.Object({
  search: Type.Optional(Type.String({ maxLength: 200 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const ListedProject = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  path_with_namespace: Type.String(),
  default_branch: Nullable(Type.String()),
  web_url: Type.String(),
  ssh_url_to_repo: Type.String(),
  http_url_to_repo: Type.String(),
  description: Nullable(Type.String()),
  last_activity_at: Nullable(Type.String()),
  imported_as: Nullable(Type.Integer()),
});
const PageInfo = Type.Object({
  page: Type.Integer(),
  per_page: Type.Integer(),
  next_page: Nullable(Type.Integer()),
  prev_page: Nullable(Type.Integer()),
  total: Nullable(Type.Integer()),
  total_pages: Nullable(Type.Integer()),
});
const ImportBody = Type.Object(
  { project_ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 50 }) },
  { additionalProperties: false },
);
export const GitlabStatus = Type.Object({
  project_id: Type.Integer(),
  gitlab_url: Nullable(Type.String()),
  gitlab_project_id: Nullable(Type.Integer()),
  web_url: Nullable(Type.String()),
  hook_id: Nullable(Type.Integer()),
  hook_state: Nullable(
    Type.Enum(FORGE_SYNC_STATES, {
      description: 'pending while a job registers the webhook or updates its token; failed: see hook_error',
    }),
  ),
  hook_error: Nullable(Type.String()),
  report: Type.Boolean(),
  deploy_key_state: Nullable(Type.String()),
  deploy_key_error: Nullable(Type.String()),
  deploy_keys: Type.Array(
    Type.Object({
      runner_id: Type.Integer(),
      fingerprint: Type.String(),
      gitlab_key_id: Nullable(Type.Integer()),
      state: Type.String(),
      error: Nullable(Type.String()),
    }),
  ),
  last_report_error: Nullable(Type.String()),
});
const ImportResult = Type.Object({ projects: Type.Array(GitlabStatus) });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const upstream = { 409: ErrorResponse, 502: ErrorResponse };
const tags = ['gitlab'];

/** GitLab instances, the connection (per user: a token for an instance), project listing and import, re-sync and the integration's state. */
export async function gitlabRoutes(app: App): Promise<void> {
  const { ctx } = app;
  await gitlabInstanceRoutes(app);

  app.get(
    '/api/v1/user/gitlab',
    { schema: { tags, response: { 200: ConnectionView, ...errors } } },
    async (request) => connectionView(ctx.db, requireUser(request).id),
  );

  app.put(
    '/api/v1/user/gitlab',
    {
      schema: {
        tags,
        body: ConnectionBody,
        response: { 200: ConnectionView, ...errors },
        description:
          'Stores your token for one of the GitLab instances an administrator configured; the URL is the instance’s.',
      },
    },
    async (request) => saveConnection(ctx, actorOf(request), requireUser(request).id, request.body),
  );

  app.delete(
    '/api/v1/user/gitlab',
    { schema: { tags, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await deleteConnection(ctx, actorOf(request), requireUser(request).id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/user/gitlab/verify',
    { schema: { tags, response: { 200: VerifyResult, 409: ErrorResponse, ...errors } } },
    async (request) => verifyConnection(ctx, requireUser(request).id),
  );

  app.get(
    '/api/v1/gitlab/projects',
    {
      schema: {
        tags,
        querystring: ListQuery,
        response: {
          200: Type.Object({ projects: Type.Array(ListedProject), page_info: PageInfo }),
          ...upstream,
          ...errors,
        },
      },
    },
    async (request) =>
      listGitlabProjects(ctx, requireUser(request), {
        search: request.query.search || undefined,
        page: request.query.page ?? 1,
        perPage: request.query.per_page ?? 20,
      }),
  );

  app.post(
    '/api/v1/gitlab/import',
    { schema: { tags, body: ImportBody, response: { 201: ImportResult, ...upstream, ...errors } } },
    async (request, reply) => {
      const projects = await importProjects(
        ctx,
        actorOf(request),
        requireUser(request),
        request.body.project_ids,
      );
      const statuses = await Promise.all(projects.map((p) => gitlabStatusOf(ctx.db, p)));
      return reply.status(201).send({ projects: statuses });
    },
  );

  app.get(
    '/api/v1/projects/:id/gitlab',
    { schema: { tags, params: IdParam, response: { 200: GitlabStatus, ...errors } } },
    async (request) => {
      const project = await loadProject(ctx.db, requireUser(request), request.params.id, 'view');
      return gitlabStatusOf(ctx.db, project);
    },
  );

  app.post(
    '/api/v1/projects/:id/gitlab/resync',
    { schema: { tags, params: IdParam, response: { 200: GitlabStatus, ...upstream, ...errors } } },
    async (request) => {
      const user = requireUser(request);
      const project = await loadProject(ctx.db, user, request.params.id, NEEDS.edit_project);
      return gitlabStatusOf(ctx.db, await resyncProject(ctx, actorOf(request), user, project));
    },
  );
}
