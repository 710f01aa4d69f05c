import { Type } from 'typebox';
import {
  DeploymentView,
  FreezeOverrideBody,
  FreezeWindowCreateBody,
  FreezeWindowList,
  FreezeWindowUpdateBody,
  FreezeWindowView,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { CHANGE_ERRORS, IdParam } from '../http/schemas.js';
import { notFound } from '../errors.js';
import { loadDeployment } from '../deployments/access.js';
import { loadDeploymentView } from '../deployments/view.js';
import { createFreezeWindow, deleteFreezeWindow, listFreezeWindows, updateFreezeWindow } from './windows.js';
import { overrideFreeze } from './override.js';

const errors = CHANGE_ERRORS;

/**
 * Freeze windows of an environment (reading needs view, changing edit_environments) and an admin's
 * override of a freeze for one deployment (architecture.md §4, "Freeze windows").
 */
export async function freezeRoutes(app: App): Promise<void> {
  const { ctx } = app;
  const tags = ['environments'];

  app.get(
    '/api/v1/environments/:id/freeze-windows',
    { schema: { tags, params: IdParam, response: { 200: FreezeWindowList, ...errors } } },
    async (request) => listFreezeWindows(ctx.db, requireUser(request), request.params.id),
  );

  app.post(
    '/api/v1/environments/:id/freeze-windows',
    {
      schema: {
        tags,
        params: IdParam,
        body: FreezeWindowCreateBody,
        response: { 201: FreezeWindowView, ...errors },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const view = await createFreezeWindow(ctx, actorOf(request), user, request.params.id, request.body);
      return reply.status(201).send(view);
    },
  );

  app.patch(
    '/api/v1/freeze-windows/:id',
    {
      schema: {
        tags,
        params: IdParam,
        body: FreezeWindowUpdateBody,
        response: { 200: FreezeWindowView, ...errors },
      },
    },
    async (request) =>
      updateFreezeWindow(ctx, actorOf(request), requireUser(request), request.params.id, request.body),
  );

  app.delete(
    '/api/v1/freeze-windows/:id',
    { schema: { tags, params: IdParam, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await deleteFreezeWindow(ctx, actorOf(request), requireUser(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/deployments/:id/freeze-override',
    {
      schema: {
        tags: ['deployments'],
        params: IdParam,
        body: FreezeOverrideBody,
        response: { 200: DeploymentView, ...errors },
      },
    },
    async (request) => {
      const user = requireUser(request);
      await loadDeployment(ctx.db, user, request.params.id, 'view');
      await overrideFreeze(ctx, actorOf(request), user, request.params.id, request.body.reason);
      const view = await loadDeploymentView(ctx, request.params.id);
      if (!view) throw notFound('deployment');
      return view;
    },
  );
}
