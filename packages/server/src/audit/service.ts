import type { Db } from '../db/database.js';

export interface Actor {
  id: number | null;
  login: string | null;
  ip: string | null;
}

export const SYSTEM_ACTOR: Actor = { id: null, login: 'system', ip: null };

export interface AuditInput {
  actor: Actor;
  action: string;
  entityType: string;
  entityId?: string | number | null;
  projectId?: number | null;
  before?: unknown;
  after?: unknown;
}

const SECRET_KEY = /(password|secret|token|encrypted|hash|private)/i;

/** A copy of a record with every secret-looking field replaced, recursively. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const isSecretVariable = record.secret === true && 'value' in record;
    return Object.fromEntries(
      Object.entries(record).map(([k, v]) => [
        k,
        SECRET_KEY.test(k) || (isSecretVariable && k === 'value')
          ? v == null
            ? v
            : '[redacted]'
          : redact(v),
      ]),
    );
  }
  return value;
}

/** Records one audit event; pass the transaction that makes the change so both commit together. */
export async function recordAudit(db: Db, input: AuditInput): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      actor_id: input.actor.id,
      actor_login: input.actor.login,
      action: input.action,
      entity_type: input.entityType,
      entity_id: input.entityId == null ? null : String(input.entityId),
      project_id: input.projectId ?? null,
      before: input.before === undefined ? null : JSON.stringify(redact(input.before)),
      after: input.after === undefined ? null : JSON.stringify(redact(input.after)),
      ip: input.actor.ip,
    })
    .execute();
}
