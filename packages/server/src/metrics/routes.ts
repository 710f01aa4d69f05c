import type { App } from '../http/types.js';
import { metricsRefused } from '../errors.js';
import { metricsAccess } from './access.js';

/** The label of requests no route matched (web UI pages, unknown paths): one series, whatever the URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * `GET /metrics` in the Prometheus text format, and the HTTP latency of every request. Called on the
 * root instance before the feature routes (not registered as an encapsulated plugin), so its
 * `onResponse` hook sees every route.
 */
export function metricsRoutes(app: App): void {
  const { ctx } = app;
  const refusal = metricsAccess(ctx.config);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    ctx.metrics.httpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    { config: { skipAuthentication: true }, schema: { hide: true } },
    async (request, reply) => {
      const refused = refusal(request);
      if (refused) throw metricsRefused(refused.status, refused.message);
      const text = await ctx.metrics.render(ctx.db, ctx.config.leaseSeconds);
      return reply.header('cache-control', 'no-store').type(ctx.metrics.contentType).send(text);
    },
  );
}
