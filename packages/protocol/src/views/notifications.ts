/** Outgoing notification hooks of a project (server notifications/hooks.ts, architecture.md §9). */
import { Type, type Static } from 'typebox';
import {
  NOTIFICATION_DELIVERY_EVENTS,
  NOTIFICATION_DELIVERY_STATUSES,
  NOTIFICATION_EVENTS,
  NOTIFICATION_HOOK_KINDS,
} from '../enums.js';
import { DEPLOYMENT_STATUSES } from '../states.js';
import { DateTime, ListOf, Nullable } from './common.js';

/** A hook, never with its secret. */
export const NotificationHookView = Type.Object({
  id: Type.Integer(),
  project_id: Type.Integer(),
  environment: Nullable(Type.String(), { description: 'null: every environment of the project' }),
  kind: Type.Enum(NOTIFICATION_HOOK_KINDS),
  url: Type.String(),
  events: Type.Array(Type.Enum(NOTIFICATION_EVENTS)),
  created_at: DateTime,
});
export type NotificationHookView = Static<typeof NotificationHookView>;

export const NotificationHookList = ListOf('hooks', NotificationHookView);
export type NotificationHookList = Static<typeof NotificationHookList>;

export const CreatedNotificationHook = Type.Object({
  hook: NotificationHookView,
  secret: Type.Optional(
    Type.String({
      description:
        'kind webhook only, shown this once: the key of X-Polytene-Signature, ' +
        'sha256=<hex HMAC-SHA256 of "<X-Polytene-Timestamp>.<raw body>">',
    }),
  ),
});
export type CreatedNotificationHook = Static<typeof CreatedNotificationHook>;

/** POST /notification-hooks/:id/rotate-secret: the new secret, shown this once; the old one no longer signs. */
export const RotatedNotificationHookSecret = Type.Object({
  hook: NotificationHookView,
  secret: Type.String({ description: 'the new key of X-Polytene-Signature, shown this once' }),
});
export type RotatedNotificationHookSecret = Static<typeof RotatedNotificationHookSecret>;

export const NotificationDeliveryView = Type.Object({
  id: Type.Integer(),
  hook_id: Type.Integer(),
  deployment_id: Nullable(Type.Integer()),
  event: Type.Enum(NOTIFICATION_DELIVERY_EVENTS),
  status: Type.Enum(NOTIFICATION_DELIVERY_STATUSES),
  attempts: Type.Integer(),
  response_status: Nullable(Type.Integer()),
  response_body: Nullable(Type.String({ description: 'the first 1 KB of the last answer' })),
  error: Nullable(Type.String()),
  created_at: DateTime,
  updated_at: DateTime,
});
export type NotificationDeliveryView = Static<typeof NotificationDeliveryView>;

export const NotificationDeliveryList = ListOf('deliveries', NotificationDeliveryView);
export type NotificationDeliveryList = Static<typeof NotificationDeliveryList>;

/**
 * The JSON body a `webhook` hook receives (POST, application/json), signed: X-Polytene-Timestamp is
 * the Unix time in seconds, X-Polytene-Signature is `sha256=` and the hex HMAC-SHA256, keyed with the
 * hook's secret, of `<timestamp>.<raw body>`. Refuse old timestamps to stop replays.
 */
export const NotificationWebhookBody = Type.Object({
  event: Type.Enum(NOTIFICATION_DELIVERY_EVENTS),
  delivery_id: Type.Integer(),
  project: Type.Object({ id: Type.Integer(), name: Type.String() }),
  environment: Type.String(),
  deployment: Nullable(
    Type.Object({
      id: Type.Integer(),
      status: Type.Enum(DEPLOYMENT_STATUSES),
      ref: Type.String(),
      sha: Type.String(),
      triggered_by: Nullable(Type.String({ description: 'login' })),
      url: Type.String({ description: 'the deployment in the web UI' }),
    }),
    { description: 'null for the test event' },
  ),
  sent_at: DateTime,
});
export type NotificationWebhookBody = Static<typeof NotificationWebhookBody>;
