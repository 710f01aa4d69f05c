/** The audit log as the API shows it. */
import { Type, type Static } from 'typebox';
import { DateTime, Nullable } from './common.js';

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  actor: Type.Object({ id: Nullable(Type.Integer()), login: Nullable(Type.String()) }),
  action: Type.String(),
  entity_type: Type.String(),
  entity_id: Nullable(Type.String()),
  project_id: Nullable(Type.Integer()),
  before: Type.Unknown(),
  after: Type.Unknown(),
  ip: Nullable(Type.String()),
  created_at: DateTime,
});
export type AuditEntry = Static<typeof AuditEntry>;

/** Audit events newest first, a page at a time counted back from `before_id`. */
export const AuditPage = Type.Object({
  events: Type.Array(AuditEntry),
  next_before_id: Nullable(Type.Integer(), {
    description: 'pass as before_id for the next (older) page; null at the end',
  }),
});
export type AuditPage = Static<typeof AuditPage>;
