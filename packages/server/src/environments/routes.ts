import { Type } from 'typebox';
import {
  EnvironmentCreateBody,
  EnvironmentList,
  EnvironmentUpdateBody,
  EnvironmentView,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import type { Environment } from '../db/schema.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { CHANGE_ERRORS, IdParam } from '../http/schemas.js';
import { stringFields, variableKeysOf } from '../http/problems.js';
import { environmentFieldProblems } from './validation.js';
import {
  createEnvironment,
  deleteEnvironment,
  environmentViews,
  listEnvironments,
  loadEnvironment,
  updateEnvironment,
} from './service.js';

const errors = CHANGE_ERRORS;

/** The checks beyond the schema, also on a body that failed it: one answer names every problem. */
const config = {
  fieldChecks: (body: unknown) =>
    environmentFieldProblems({
      ...stringFields(body, ['name', 'url'] as const),
      variables: variableKeysOf(body),
    }),
};

/** A project's environments: reading needs view, changing manage (maintainer). */
export async function environmentRoutes(app: App): Promise<void> {
  const { ctx } = app;
  const tags = ['environments'];
  const viewOf = async (env: Environment) => (await environmentViews(ctx.db, [env]))[0]!;

  app.get(
    '/api/v1/projects/:id/environments',
    { schema: { tags, params: IdParam, response: { 200: EnvironmentList, ...errors } } },
    async (request) => {
      const user = requireUser(request);
      const environments = await listEnvironments(ctx.db, user, request.params.id);
      return { environments: await environmentViews(ctx.db, environments) };
    },
  );

  app.post(
    '/api/v1/projects/:id/environments',
    {
      schema: {
        tags,
        params: IdParam,
        body: EnvironmentCreateBody,
        response: { 201: EnvironmentView, ...errors },
      },
      config,
    },
    async (request, reply) => {
      const user = requireUser(request);
      const env = await createEnvironment(ctx, actorOf(request), user, request.params.id, request.body);
      return reply.status(201).send(await viewOf(env));
    },
  );

  app.get(
    '/api/v1/environments/:id',
    { schema: { tags, params: IdParam, response: { 200: EnvironmentView, ...errors } } },
    async (request) => {
      const user = requireUser(request);
      return viewOf(await loadEnvironment(ctx.db, user, request.params.id, 'view'));
    },
  );

  app.patch(
    '/api/v1/environments/:id',
    {
      schema: {
        tags,
        params: IdParam,
        body: EnvironmentUpdateBody,
        response: { 200: EnvironmentView, ...errors },
      },
      config,
    },
    async (request) => {
      const user = requireUser(request);
      return viewOf(await updateEnvironment(ctx, actorOf(request), user, request.params.id, request.body));
    },
  );

  app.delete(
    '/api/v1/environments/:id',
    { schema: { tags, params: IdParam, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      const user = requireUser(request);
      await deleteEnvironment(ctx.db, actorOf(request), user, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
