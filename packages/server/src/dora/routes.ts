import { Type } from 'typebox';
import { DoraView } from '@polytene/protocol';
import type { App } from '../http/types.js';
import { requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import { loadProject } from '../projects/access.js';
import { doraMetrics } from './service.js';

const DoraQuery = Type.Object({
  days: Type.Optional(Type.Union([Type.Literal(7), Type.Literal(30), Type.Literal(90)], { default: 30 })),
  environment: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

export async function doraRoutes(app: App): Promise<void> {
  const { db } = app.ctx;

  app.get(
    '/api/v1/projects/:id/dora',
    {
      schema: {
        tags: ['projects'],
        summary: 'DORA metrics per environment over the last 7, 30 or 90 days',
        description:
          'Deployment frequency (succeeded deployments per day), lead time for changes (median and p90 ' +
          'seconds from the build’s started_at — its created_at when unset, as a proxy for the commit time — ' +
          'to the deployment finishing), change failure rate (failed / succeeded + failed; canceled and skipped ' +
          'left out) and time to restore (median seconds from a failure to the next success in the ' +
          'environment), with succeeded and failed deployments per UTC day.',
        params: IdParam,
        querystring: DoraQuery,
        response: { 200: DoraView, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const project = await loadProject(db, user, request.params.id, 'view');
      return doraMetrics(db, project.id, request.query.days ?? 30, request.query.environment);
    },
  );
}
