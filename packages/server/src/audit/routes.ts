import { Type, type Static } from 'typebox';
import { AuditPage, type AuditEntry } from '@polytene/protocol';
import type { App } from '../http/types.js';
import type { Db } from '../db/database.js';
import type { AuditEvent, User } from '../db/schema.js';
import { requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import { visibleTo } from '../projects/access.js';

const Id = IdParam.properties.id;
/** The filters of the audit list, also taken by its export (exports/routes.ts). */
export const AuditFilters = {
  actor_id: Type.Optional(Id),
  project_id: Type.Optional(Id),
  entity_type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
};
const AuditQuery = Type.Object(
  {
    ...AuditFilters,
    before_id: Type.Optional(Type.Integer({ minimum: 1, description: 'only events older than this id' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

/**
 * Audit events newest first. An admin sees all; a member the events of projects they may view and
 * their own actions.
 */
export async function findEvents(
  db: Db,
  user: User,
  query: AuditQuery,
  limit: number,
): Promise<AuditEvent[]> {
  let select = db.selectFrom('audit_events').selectAll('audit_events');
  if (user.role !== 'admin') {
    select = select.where((eb) =>
      eb.or([
        eb('audit_events.actor_id', '=', user.id),
        eb.exists(
          eb
            .selectFrom('projects')
            .select('projects.id')
            .whereRef('projects.id', '=', 'audit_events.project_id')
            .where(visibleTo(user)),
        ),
      ]),
    );
  }
  if (query.actor_id !== undefined) select = select.where('audit_events.actor_id', '=', query.actor_id);
  if (query.project_id !== undefined) select = select.where('audit_events.project_id', '=', query.project_id);
  if (query.entity_type !== undefined)
    select = select.where('audit_events.entity_type', '=', query.entity_type);
  if (query.action !== undefined) select = select.where('audit_events.action', '=', query.action);
  if (query.before_id !== undefined) select = select.where('audit_events.id', '<', query.before_id);
  return select.orderBy('audit_events.id', 'desc').limit(limit).execute();
}

export function toEntry(event: AuditEvent): AuditEntry {
  return {
    id: event.id,
    actor: { id: event.actor_id, login: event.actor_login },
    action: event.action,
    entity_type: event.entity_type,
    entity_id: event.entity_id,
    project_id: event.project_id,
    before: event.before,
    after: event.after,
    ip: event.ip,
    created_at: event.created_at.toISOString(),
  };
}

export async function auditRoutes(app: App): Promise<void> {
  app.get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['audit'],
        querystring: AuditQuery,
        response: { 200: AuditPage, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const limit = request.query.limit ?? 50;
      const events = await findEvents(app.ctx.db, user, request.query, limit);
      const last = events.at(-1);
      return {
        events: events.map(toEntry),
        next_before_id: events.length === limit && last ? last.id : null,
      };
    },
  );
}
