import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { LogView } from '@polytene/protocol';
import type { App } from '../http/types.js';
import type { Db } from '../db/database.js';
import { requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import { loadDeployment } from '../deployments/access.js';

const MAX_LINES = 10_000;
const TEXT_BATCH = 2_000;

const LogQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'line number already seen' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LINES, default: 1000 })),
});

function linesAfter(db: Db, deploymentId: number, after: number, limit: number) {
  return db
    .selectFrom('log_lines')
    .select(['n', 'stream', 't', 'text'])
    .where('deployment_id', '=', deploymentId)
    .where('n', '>', after)
    .orderBy('n')
    .limit(limit)
    .execute();
}

/** The whole log as text, read in batches by line number so a long log never sits in memory at once. */
async function* logText(db: Db, deploymentId: number): AsyncGenerator<string> {
  let after = 0;
  for (;;) {
    const batch = await linesAfter(db, deploymentId, after, TEXT_BATCH);
    if (batch.length === 0) return;
    yield batch.map((line) => `${line.text}\n`).join('');
    after = batch[batch.length - 1]!.n;
    if (batch.length < TEXT_BATCH) return;
  }
}

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
        linesAfter(db, deployment.id, after, limit),
        db
          .selectFrom('log_lines')
          .select((eb) => eb.fn.max('n').as('n'))
          .where('deployment_id', '=', deployment.id)
          .executeTakeFirst(),
      ]);
      return {
        lines: lines.map((line) => ({ ...line, t: line.t.toISOString() })),
        last_n: Math.max(last?.n ?? 0, deployment.last_log_n),
        status: deployment.status,
        cancel_requested: deployment.status === 'running' && deployment.cancel_requested_at !== null,
      };
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
