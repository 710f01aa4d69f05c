import {
  DeploymentView,
  EnvironmentHoldBody,
  EnvironmentRollbackBody,
  EnvironmentView,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { CHANGE_ERRORS, IdParam } from '../http/schemas.js';
import { notFound } from '../errors.js';
import { loadDeploymentView } from '../deployments/view.js';
import { environmentViews } from './service.js';
import { holdByHand, resumeByHand, rollBack } from './hold-service.js';

const errors = CHANGE_ERRORS;

/** Holding, resuming and rolling back an environment: each needs deploy access to its project. */
export async function environmentHoldRoutes(app: App): Promise<void> {
  const { ctx } = app;
  const tags = ['environments'];
  const viewOf = async (id: number) => {
    const env = await ctx.db.selectFrom('environments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!env) throw notFound('environment');
    return (await environmentViews(ctx.db, [env]))[0]!;
  };

  app.post(
    '/api/v1/environments/:id/hold',
    {
      schema: {
        tags,
        params: IdParam,
        body: EnvironmentHoldBody,
        response: { 200: EnvironmentView, ...errors },
      },
    },
    async (request) => {
      const user = requireUser(request);
      await holdByHand(ctx, actorOf(request), user, request.params.id, request.body.reason);
      return viewOf(request.params.id);
    },
  );

  app.post(
    '/api/v1/environments/:id/resume',
    { schema: { tags, params: IdParam, response: { 200: EnvironmentView, ...errors } } },
    async (request) => {
      const user = requireUser(request);
      await resumeByHand(ctx, actorOf(request), user, request.params.id);
      return viewOf(request.params.id);
    },
  );

  app.post(
    '/api/v1/environments/:id/rollback',
    {
      schema: {
        tags,
        params: IdParam,
        body: EnvironmentRollbackBody,
        response: { 201: DeploymentView, ...errors },
      },
      // Rolling back to the default needs no body.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const deployment = await rollBack(
        ctx,
        actorOf(request),
        user,
        request.params.id,
        request.body.deployment_id,
      );
      const view = await loadDeploymentView(ctx, deployment.id);
      if (!view) throw notFound('deployment');
      return reply.status(201).send(view);
    },
  );
}
