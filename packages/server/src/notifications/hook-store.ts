/** Notification hooks as records: views, making, changing, a new secret (architecture.md §9). */
import { randomBytes } from 'node:crypto';
import type {
  NotificationDeliveryView,
  NotificationEvent,
  NotificationHookKind,
  NotificationHookView,
  UpdateNotificationHookBody,
} from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { NotificationHook, NotificationHookDelivery } from '../db/schema.js';
import { badRequest, invalidValue, notFound } from '../errors.js';
import { hookUrlProblem } from './hooks.js';

export function hookView(hook: NotificationHook): NotificationHookView {
  return {
    id: hook.id,
    project_id: hook.project_id,
    environment: hook.environment,
    kind: hook.kind,
    url: hook.url,
    events: hook.events,
    created_at: hook.created_at.toISOString(),
  };
}

export function deliveryView(d: NotificationHookDelivery): NotificationDeliveryView {
  return {
    id: d.id,
    hook_id: d.hook_id,
    deployment_id: d.deployment_id,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    response_status: d.response_status,
    response_body: d.response_body,
    error: d.error,
    created_at: d.created_at.toISOString(),
    updated_at: d.updated_at.toISOString(),
  };
}

export interface NewHook {
  kind: NotificationHookKind;
  url: string;
  environment?: string | null;
  events: NotificationEvent[];
}

/** A new signing secret: 32 random bytes, base64url. */
const newSecret = () => randomBytes(32).toString('base64url');

async function checkUrl(ctx: AppContext, url: string): Promise<void> {
  const problem = await hookUrlProblem(url, ctx.config.notifyAllowPrivate);
  if (problem) throw invalidValue('url', problem);
}

/** Makes a hook; a `webhook` gets a generated secret, returned this once and stored encrypted. */
export async function createHook(
  ctx: AppContext,
  projectId: number,
  input: NewHook,
): Promise<{ hook: NotificationHook; secret?: string }> {
  await checkUrl(ctx, input.url);
  const secret = input.kind === 'webhook' ? newSecret() : undefined;
  const hook = await ctx.db
    .insertInto('notification_hooks')
    .values({
      project_id: projectId,
      environment: input.environment ?? null,
      kind: input.kind,
      url: input.url,
      secret_encrypted: secret === undefined ? null : ctx.secrets.encrypt(secret),
      events: [...new Set(input.events)],
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return secret === undefined ? { hook } : { hook, secret };
}

/** Changes a hook's URL, environment or events, checking a new URL as `createHook` does. */
export async function updateHook(
  ctx: AppContext,
  db: Db,
  hook: NotificationHook,
  input: UpdateNotificationHookBody,
): Promise<NotificationHook> {
  if (input.url !== undefined) await checkUrl(ctx, input.url);
  return db
    .updateTable('notification_hooks')
    .set({
      ...(input.url === undefined ? {} : { url: input.url }),
      ...(input.environment === undefined ? {} : { environment: input.environment }),
      ...(input.events === undefined ? {} : { events: [...new Set(input.events)] }),
    })
    .where('id', '=', hook.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A webhook's new signing secret, returned this once; the old one signs nothing from now on. */
export async function rotateSecret(
  ctx: AppContext,
  db: Db,
  hook: NotificationHook,
): Promise<{ hook: NotificationHook; secret: string }> {
  if (hook.kind !== 'webhook')
    throw badRequest(`a ${hook.kind} hook has no signing secret; only a webhook hook signs what it sends`);
  const secret = newSecret();
  const updated = await db
    .updateTable('notification_hooks')
    .set({ secret_encrypted: ctx.secrets.encrypt(secret) })
    .where('id', '=', hook.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { hook: updated, secret };
}

export async function hookById(db: Db, id: number): Promise<NotificationHook> {
  const hook = await db.selectFrom('notification_hooks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!hook) throw notFound('notification hook');
  return hook;
}
