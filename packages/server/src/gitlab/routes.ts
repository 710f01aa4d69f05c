import { Type } from 'typebox';
import {
  GitlabConnectionBody,
  GitlabImportBody,
  GitlabConnectionView as ConnectionView,
  GitlabImportResult as ImportResult,
  GitlabProjectList,
  GitlabStatus,
  GitlabVerifyResult as VerifyResult,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import { NEEDS, loadProject } from '../projects/access.js';
import { connectionView, deleteConnection, saveConnection, verifyConnection } from './connection.js';
import { importProjects, listGitlabProjects, resyncProject } from './import.js';
import { gitlabInstanceRoutes } from './instance-routes.js';
import { gitlabStatusOf } from './status.js';

const ListQuery = Type.Object({
  search: Type.Optional(Type.String({ maxLength: 200 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});
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
        body: GitlabConnectionBody,
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
          200: GitlabProjectList,
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
    { schema: { tags, body: GitlabImportBody, response: { 201: ImportResult, ...upstream, ...errors } } },
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
