import { Type } from 'typebox';
import {
  CreatedNotificationHook,
  CreateNotificationHookBody,
  NotificationDeliveryList,
  NotificationDeliveryView,
  NotificationHookList,
  NotificationHookView,
  RotatedNotificationHookSecret,
  UpdateNotificationHookBody,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import type { NotificationHook } from '../db/schema.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { recordAudit } from '../audit/service.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import { NEEDS, loadProject } from '../projects/access.js';
import { sendTest } from './hooks.js';
import { createHook, deliveryView, hookById, hookView, rotateSecret, updateHook } from './hook-store.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const tags = ['notifications'];

/** A hook as the audit keeps it: a Slack or Teams URL is itself a credential, so only its origin. */
const auditedHook = (hook: NotificationHook) => ({ ...hookView(hook), url: new URL(hook.url).origin });

/**
 * A project's outgoing notification hooks (architecture.md §9): whoever may edit the project lists,
 * adds, changes and removes them, gives a webhook a new secret, reads deliveries and sends a test event.
 */
export async function notificationHookRoutes(app: App): Promise<void> {
  const { db } = app.ctx;

  /** The hook, when the caller may edit its project; 404 when they may not see the project. */
  const manageableHook = async (user: ReturnType<typeof requireUser>, id: number) => {
    const hook = await hookById(db, id);
    await loadProject(db, user, hook.project_id, NEEDS.edit_project);
    return hook;
  };

  app.get(
    '/api/v1/projects/:id/notification-hooks',
    { schema: { tags, params: IdParam, response: { 200: NotificationHookList, ...errors } } },
    async (request) => {
      const project = await loadProject(db, requireUser(request), request.params.id, NEEDS.edit_project);
      const hooks = await db
        .selectFrom('notification_hooks')
        .selectAll()
        .where('project_id', '=', project.id)
        .orderBy('id')
        .execute();
      return { hooks: hooks.map(hookView) };
    },
  );

  app.post(
    '/api/v1/projects/:id/notification-hooks',
    {
      schema: {
        tags,
        params: IdParam,
        body: CreateNotificationHookBody,
        response: { 201: CreatedNotificationHook, ...errors },
      },
    },
    async (request, reply) => {
      const project = await loadProject(db, requireUser(request), request.params.id, NEEDS.edit_project);
      const created = await createHook(app.ctx, project.id, request.body);
      await recordAudit(db, {
        actor: actorOf(request),
        action: 'notification_hook_create',
        entityType: 'notification_hook',
        entityId: created.hook.id,
        projectId: project.id,
        after: auditedHook(created.hook),
      });
      return reply.status(201).send({
        hook: hookView(created.hook),
        ...(created.secret === undefined ? {} : { secret: created.secret }),
      });
    },
  );

  app.patch(
    '/api/v1/notification-hooks/:id',
    {
      schema: {
        tags,
        params: IdParam,
        body: UpdateNotificationHookBody,
        response: { 200: NotificationHookView, ...errors },
      },
    },
    async (request) => {
      const hook = await manageableHook(requireUser(request), request.params.id);
      const updated = await db.transaction().execute(async (trx) => {
        const after = await updateHook(app.ctx, trx, hook, request.body);
        await recordAudit(trx, {
          actor: actorOf(request),
          action: 'notification_hook_update',
          entityType: 'notification_hook',
          entityId: hook.id,
          projectId: hook.project_id,
          before: auditedHook(hook),
          after: auditedHook(after),
        });
        return after;
      });
      return hookView(updated);
    },
  );

  app.post(
    '/api/v1/notification-hooks/:id/rotate-secret',
    {
      schema: {
        tags,
        params: IdParam,
        response: { 200: RotatedNotificationHookSecret, ...errors },
      },
    },
    async (request) => {
      const hook = await manageableHook(requireUser(request), request.params.id);
      const rotated = await db.transaction().execute(async (trx) => {
        const result = await rotateSecret(app.ctx, trx, hook);
        // The audit records that the secret changed, never the secret.
        await recordAudit(trx, {
          actor: actorOf(request),
          action: 'notification_hook_rotate_secret',
          entityType: 'notification_hook',
          entityId: hook.id,
          projectId: hook.project_id,
          after: auditedHook(result.hook),
        });
        return result;
      });
      return { hook: hookView(rotated.hook), secret: rotated.secret };
    },
  );

  app.delete(
    '/api/v1/notification-hooks/:id',
    { schema: { tags, params: IdParam, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      const hook = await manageableHook(requireUser(request), request.params.id);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('notification_hooks').where('id', '=', hook.id).execute();
        await recordAudit(trx, {
          actor: actorOf(request),
          action: 'notification_hook_delete',
          entityType: 'notification_hook',
          entityId: hook.id,
          projectId: hook.project_id,
          before: auditedHook(hook),
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/notification-hooks/:id/deliveries',
    { schema: { tags, params: IdParam, response: { 200: NotificationDeliveryList, ...errors } } },
    async (request) => {
      const hook = await manageableHook(requireUser(request), request.params.id);
      const deliveries = await db
        .selectFrom('notification_hook_deliveries')
        .selectAll()
        .where('hook_id', '=', hook.id)
        .orderBy('id', 'desc')
        .limit(100)
        .execute();
      return { deliveries: deliveries.map(deliveryView) };
    },
  );

  app.post(
    '/api/v1/notification-hooks/:id/test',
    { schema: { tags, params: IdParam, response: { 200: NotificationDeliveryView, ...errors } } },
    async (request) => {
      const hook = await manageableHook(requireUser(request), request.params.id);
      return deliveryView(await sendTest(app.ctx, hook));
    },
  );
}
