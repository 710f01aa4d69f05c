import { Type } from 'typebox';
import type { App } from '../http/types.js';

const Healthy = Type.Object({ status: Type.Literal('ok') });
const Unavailable = Type.Object({
  status: Type.Literal('unavailable'),
  database: Type.String({ description: 'what is wrong with the database, e.g. "did not answer within 2 s"' }),
});

/**
 * `GET /api/v1/health`, for load balancers and monitors: 200 when PostgreSQL answers a `SELECT 1` within
 * 2 s on the probe's own connection (health/database-probe.ts), 503 otherwise. No authentication, so no
 * session lookup in the pool can hold it up.
 */
export async function healthRoutes(app: App): Promise<void> {
  const { databaseProbe } = app.ctx;
  app.get(
    '/api/v1/health',
    {
      config: { skipAuthentication: true },
      schema: { tags: ['health'], response: { 200: Healthy, 503: Unavailable } },
    },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      const database = await databaseProbe.check();
      if (database.ok) return { status: 'ok' as const };
      return reply.status(503).send({ status: 'unavailable', database: database.reason });
    },
  );
}
