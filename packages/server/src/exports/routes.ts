import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import type { App } from '../http/types.js';
import { requireUser } from '../auth/guard.js';
import { ErrorResponse } from '../http/schemas.js';
import { AuditFilters, findEvents, toEntry } from '../audit/routes.js';
import { DeploymentFilters, filteredDeployments } from '../deployments/routes.js';
import { toDeploymentView, type DeploymentRow } from '../deployments/view.js';
import type { AuditEvent } from '../db/schema.js';
import { EXPORT_FORMATS, exportStream, type ExportFormat, type ExportSource } from './stream.js';

const Format = {
  format: Type.Optional(Type.Enum(EXPORT_FORMATS, { default: 'csv', description: 'csv (default) or json' })),
};
/** The download: text in the OpenAPI document; a stream to Fastify, which sends streams unserialized. */
const Download = Type.Unsafe<Readable>({
  type: 'string',
  description: 'CSV with a header row, or a JSON array (the list view of each record)',
});
const errors = { 200: Download, 400: ErrorResponse, 401: ErrorResponse };
const iso = (at: Date | null) => (at ? at.toISOString() : null);
const seconds = (from: Date | null, to: Date | null) =>
  from && to ? Math.round((to.getTime() - from.getTime()) / 1000) : null;

const DEPLOYMENT_COLUMNS: ExportSource<DeploymentRow>['columns'] = [
  { header: 'id', value: (d) => d.id },
  { header: 'project', value: (d) => d.project_name },
  { header: 'environment', value: (d) => d.environment },
  { header: 'status', value: (d) => d.status },
  { header: 'failure_reason', value: (d) => d.failure_reason },
  { header: 'exit_code', value: (d) => d.exit_code },
  { header: 'trigger', value: (d) => d.trigger },
  { header: 'triggered_by', value: (d) => d.user_login },
  { header: 'ref', value: (d) => d.build_ref },
  { header: 'sha', value: (d) => d.build_sha },
  { header: 'runner', value: (d) => d.runner_name },
  { header: 'queued_at', value: (d) => iso(d.queued_at) },
  { header: 'started_at', value: (d) => iso(d.started_at) },
  { header: 'finished_at', value: (d) => iso(d.finished_at) },
  { header: 'duration_seconds', value: (d) => seconds(d.started_at, d.finished_at) },
];

const AUDIT_COLUMNS: ExportSource<AuditEvent>['columns'] = [
  { header: 'id', value: (e) => e.id },
  { header: 'created_at', value: (e) => e.created_at.toISOString() },
  { header: 'actor', value: (e) => e.actor_login },
  { header: 'action', value: (e) => e.action },
  { header: 'entity_type', value: (e) => e.entity_type },
  { header: 'entity_id', value: (e) => e.entity_id },
  { header: 'project_id', value: (e) => e.project_id },
  { header: 'ip', value: (e) => e.ip },
  { header: 'before', value: (e) => (e.before === null ? null : JSON.stringify(e.before)) },
  { header: 'after', value: (e) => (e.after === null ? null : JSON.stringify(e.after)) },
];

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/**
 * Deployments and audit events as CSV or JSON, with the filters of their lists and the same visibility,
 * streamed in keyset batches (exports/stream.ts) as a download.
 */
export async function exportRoutes(app: App): Promise<void> {
  const { db } = app.ctx;

  app.get(
    '/api/v1/deployments/export',
    {
      schema: {
        tags: ['deployments'],
        summary: 'The deployments list (same filters) as a CSV or JSON download, newest first',
        querystring: Type.Object(
          { ...DeploymentFilters.properties, ...Format },
          { additionalProperties: false },
        ),
        response: errors,
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const { format = 'csv', ...filters } = request.query;
      const source: ExportSource<DeploymentRow> = {
        columns: DEPLOYMENT_COLUMNS,
        json: toDeploymentView,
        idOf: (d) => d.id,
        fetch: (beforeId, limit) => {
          let query = filteredDeployments(db, user, filters);
          if (beforeId !== undefined) query = query.where('deployments.id', '<', beforeId);
          return query.orderBy('deployments.id', 'desc').limit(limit).execute();
        },
      };
      return reply
        .type(CONTENT_TYPES[format])
        .header('content-disposition', `attachment; filename="deployments.${format}"`)
        .send(exportStream(source, format));
    },
  );

  app.get(
    '/api/v1/audit/export',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit events (same filters) as a CSV or JSON download, newest first',
        querystring: Type.Object({ ...AuditFilters, ...Format }, { additionalProperties: false }),
        response: errors,
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const { format = 'csv', ...filters } = request.query;
      const source: ExportSource<AuditEvent> = {
        columns: AUDIT_COLUMNS,
        json: toEntry,
        idOf: (e) => e.id,
        fetch: (beforeId, limit) => findEvents(db, user, { ...filters, before_id: beforeId }, limit),
      };
      return reply
        .type(CONTENT_TYPES[format])
        .header('content-disposition', `attachment; filename="audit.${format}"`)
        .send(exportStream(source, format));
    },
  );
}
