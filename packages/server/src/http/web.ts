import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { App } from './types.js';
import { notFound } from '../errors.js';

/** packages/web/dist, from both src/http (tests) and dist/http (the built server). */
export const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const HASHED_ASSET = /\/assets\/[^/]+-[A-Za-z0-9_-]{6,}\.\w+$/;

/**
 * Serves the built web UI (packages/web/dist) at `/`: hashed assets are cached for a year, every other
 * non-API GET answers index.html (the UI routes in the browser), and unknown API paths answer a JSON 404.
 */
export async function webRoutes(app: App, webDist: string = WEB_DIST): Promise<void> {
  const built = existsSync(`${webDist}index.html`);
  if (built) {
    await app.register(fastifyStatic, {
      root: webDist,
      prefix: '/',
      wildcard: false,
      index: false,
      setHeaders: (reply, filePath) => {
        void reply.header(
          'cache-control',
          HASHED_ASSET.test(filePath.replaceAll('\\', '/'))
            ? 'public, max-age=31536000, immutable'
            : 'no-cache',
        );
      },
    });
  }
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isPage = (request.method === 'GET' || request.method === 'HEAD') && !path.startsWith('/api/');
    if (!isPage || path.startsWith('/assets/')) throw notFound(`${request.method} ${path}`);
    if (!built) {
      return reply
        .type('text/plain; charset=utf-8')
        .status(503)
        .send('The web UI is not built yet: run `npm run build`.');
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  });
}
