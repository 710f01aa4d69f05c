import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { LogSearchView, LogSectionList, LogView } from '@polytene/protocol';
import type { App } from '../http/types.js';
import { requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import { loadDeployment } from '../deployments/access.js';
import { lastStoredLine, logText, readLines } from './store.js';
import { MAX_MATCHES, MAX_QUERY, searchLines } from './search.js';
import { listSections } from './sections.js';
import { badRequest } from '../errors.js';

const MAX_LINES = 10_000;

const LogQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'line number already seen' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LINES, default: 1000 })),
});

const SearchQuery = Type.Object({
  q: Type.String({ maxLength: MAX_QUERY, description: 'plain text, matched ignoring case' }),
  after: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'search lines after this one' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MATCHES, default: 200 })),
});

export async function logRoutes(app: App): Promise<void> {
  const { db } = app.ctx;

  app.get(
    '/api/v1/deployments/:id/log',
    {
      schema: {
        tags: ['deployments'],
        params: IdParam,
        querystring: LogQuery,
        response: { 200: LogView, 404: ErrorResponse },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const { deployment } = await loadDeployment(db, user, request.params.id, 'view');
      const { after = 0, limit = 1000 } = request.query;
      const [lines, last] = await Promise.all([
        readLines(db, deployment.id, after, limit),
        lastStoredLine(db, deployment.id),
      ]);
      return {
        lines,
        last_n: Math.max(last, deployment.last_log_n),
        status: deployment.status,
        cancel_requested: deployment.status === 'running' && deployment.cancel_requested_at !== null,
      };
    },
  );

  app.get(
    '/api/v1/deployments/:id/log/search',
    {
      schema: {
        tags: ['deployments'],
        params: IdParam,
        querystring: SearchQuery,
        response: { 200: LogSearchView, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const { deployment } = await loadDeployment(db, user, request.params.id, 'view');
      const { q, after = 0, limit = 200 } = request.query;
      if (q.trim() === '') throw badRequest('give the text to search for');
      return searchLines(db, deployment.id, q, after, limit);
    },
  );

  app.get(
    '/api/v1/deployments/:id/sections',
    {
      schema: {
        tags: ['deployments'],
        summary: "The collapsible sections of the deployment's log (architecture.md §6), by start line",
        params: IdParam,
        response: { 200: LogSectionList, 404: ErrorResponse },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const { deployment } = await loadDeployment(db, user, request.params.id, 'view');
      return { sections: await listSections(db, deployment.id) };
    },
  );

  app.get(
    '/api/v1/deployments/:id/log.txt',
    {
      schema: {
        tags: ['deployments'],
        params: IdParam,
        produces: ['text/plain'],
        response: { 200: Type.String(), 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const { deployment } = await loadDeployment(db, user, request.params.id, 'view');
      const body = Readable.from(logText(db, deployment.id));
      // The 200 schema documents the text; Fastify streams a Readable as is, which the typed send() omits.
      return reply.type('text/plain; charset=utf-8').send(body as unknown as string);
    },
  );
}
