import { Type } from 'typebox';
import {
  CreateGitlabInstanceBody,
  GitlabInstanceList,
  GitlabInstanceView as Instance,
  UpdateGitlabInstanceBody,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import { actorOf, requireAdmin, requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import { createInstance, deleteInstance, listInstances, updateInstance } from './instances.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };
const tags = ['gitlab'];

/**
 * GitLab instances, an admin setting: admins add, change and delete them; every user may list them to
 * choose the one their token is for.
 */
export async function gitlabInstanceRoutes(app: App): Promise<void> {
  const { ctx } = app;

  app.get(
    '/api/v1/gitlab/instances',
    { schema: { tags, response: { 200: GitlabInstanceList, ...errors } } },
    async (request) => {
      requireUser(request);
      return { instances: await listInstances(ctx.db) };
    },
  );

  app.post(
    '/api/v1/gitlab/instances',
    {
      schema: {
        tags,
        body: CreateGitlabInstanceBody,
        response: { 201: Instance, 409: ErrorResponse, ...errors },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      return reply.status(201).send(await createInstance(ctx, actorOf(request), request.body));
    },
  );

  app.patch(
    '/api/v1/gitlab/instances/:id',
    {
      schema: {
        tags,
        params: IdParam,
        body: UpdateGitlabInstanceBody,
        response: { 200: Instance, 404: ErrorResponse, 409: ErrorResponse, ...errors },
      },
    },
    async (request) => {
      requireAdmin(request);
      return updateInstance(ctx, actorOf(request), request.params.id, request.body);
    },
  );

  app.delete(
    '/api/v1/gitlab/instances/:id',
    {
      schema: {
        tags,
        params: IdParam,
        response: { 204: Type.Null(), 404: ErrorResponse, 409: ErrorResponse, ...errors },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      await deleteInstance(ctx, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
