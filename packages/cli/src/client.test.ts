import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from './client.js';
import { EXIT } from './errors.js';
import { parseDeployTarget, parseId } from './resolve.js';
import { localServer } from './test-support/http.js';

let server: Awaited<ReturnType<typeof localServer>>;
beforeAll(async () => {
  server = await localServer((req, res, url) => {
    const status = Number(url.pathname.slice(1));
    if (url.pathname === '/ok') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ auth: req.headers.authorization, q: url.searchParams.get('q') }));
    } else if (url.pathname === '/html') {
      res.end('<html></html>');
    } else {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'X', message: `said ${status}` } }));
    }
  });
});
afterAll(() => server.close());

describe('ApiClient', () => {
  it('sends the token as a bearer and the query', async () => {
    const client = new ApiClient(server.url, 'pt_abc');
    await expect(client.get('/ok', { q: 'a b', skip: undefined })).resolves.toEqual({
      auth: 'Bearer pt_abc',
      q: 'a b',
    });
  });

  it.each([
    [401, EXIT.auth, /^the server refused the token \(said 401\); run "polytene login" again$/],
    [403, EXIT.auth, /^not allowed: said 403$/],
    [404, EXIT.notFound, /^said 404$/],
    [422, EXIT.usage, /^said 422$/],
    [500, EXIT.server, /^the server failed: said 500$/],
  ])('maps %i to exit %i with the server message', async (status, code, message) => {
    const error = await new ApiClient(server.url, 'pt_abc').get(`/${status}`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
  });

  it('an answer that is not JSON is not a Polytene server (exit 6)', async () => {
    await expect(new ApiClient(server.url, 'pt_abc').get('/html')).rejects.toMatchObject({
      code: EXIT.server,
      message: expect.stringMatching(/is not a Polytene server/),
    });
  });
});

describe('command-line arguments', () => {
  it('a deploy target is a build id or project:ref', () => {
    expect(parseDeployTarget('42')).toEqual({ buildId: 42 });
    expect(parseDeployTarget('shop:main')).toEqual({ project: 'shop', ref: 'main' });
    expect(parseDeployTarget('my:shop:release/1.2')).toEqual({ project: 'my:shop', ref: 'release/1.2' });
    for (const bad of ['shop', 'shop:', ':main', '0'])
      expect(() => parseDeployTarget(bad)).toThrow(expect.objectContaining({ code: EXIT.usage }));
  });

  it('an id is a positive number', () => {
    expect(parseId('7', 'a deployment id')).toBe(7);
    expect(() => parseId('x', 'a deployment id')).toThrow('a deployment id must be a number, not "x"');
  });
});
