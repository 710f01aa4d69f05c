import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from './errors.js';
import type { App } from './types.js';
import { webRoutes } from './web.js';

let dist: string;
let app: ReturnType<typeof Fastify>;

beforeAll(async () => {
  dist = `${await mkdtemp(path.join(os.tmpdir(), 'polytene-web-'))}/`;
  await mkdir(path.join(dist, 'assets'));
  await writeFile(path.join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
  await writeFile(path.join(dist, 'assets', 'index-AbC123xy.js'), 'console.log(1)');
  app = Fastify();
  app.setErrorHandler(errorHandler);
  app.get('/api/v1/health', async () => ({ status: 'ok' }));
  // webRoutes needs only register() and setNotFoundHandler(), which a plain Fastify instance has.
  await webRoutes(app as unknown as App, dist);
});
afterAll(async () => {
  await app.close();
  await rm(dist, { recursive: true, force: true });
});

describe('the web UI is served at /', () => {
  it('answers index.html for the front page and for UI routes, never cached', async () => {
    for (const url of ['/', '/deployments/42', '/projects/1/builds?page=2']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('<div id="root">');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('caches hashed assets for a year', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/index-AbC123xy.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers a missing asset with 404, not the page', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/gone-12345678.js' });
    expect(res.statusCode).toBe(404);
  });

  it('keeps unknown API paths a JSON 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it('does not answer unsafe methods with the page', async () => {
    const res = await app.inject({ method: 'POST', url: '/projects', payload: {} });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });
});
