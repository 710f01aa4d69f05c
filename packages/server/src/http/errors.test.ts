import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@polytene/protocol';
import { useTestServer } from '../test-support/server.js';
import { errorHandler } from './errors.js';

const server = useTestServer({ maxBodyBytes: 4096 });

const post = (payload: string, contentType = 'application/json') =>
  server.app.inject({
    method: 'POST',
    url: '/api/v1/session',
    payload,
    headers: { 'content-type': contentType },
  });

describe('bad input answers a 4xx with a code and a message', () => {
  it('malformed JSON → 400 INVALID_JSON', async () => {
    const res = await post('{"login": "admin",');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_JSON');
  });

  it('a wrong type → 400 naming the field', async () => {
    const res = await post(JSON.stringify({ login: 42, password: 'x' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toContainEqual({
      field: 'login',
      code: 'not_string',
      message: 'login must be text',
    });
  });

  it('an unknown field → 400 naming it', async () => {
    const res = await post(JSON.stringify({ login: 'a', password: 'b', role: 'admin' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('role is not a known field');
  });

  it('a missing field → 400 naming it', async () => {
    const res = await post(JSON.stringify({ login: 'a' }));
    expect(res.json().error.details).toContainEqual({
      field: 'password',
      code: 'required',
      message: 'password is required',
    });
  });

  it('an oversized body → 413', async () => {
    const res = await post(JSON.stringify({ login: 'a', password: 'x'.repeat(10_000) }));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('BODY_TOO_LARGE');
  });

  it('a body that is not JSON → 415', async () => {
    const res = await post('login=a', 'application/x-www-form-urlencoded');
    expect(res.statusCode).toBe(415);
  });

  it('an unknown API path → 404 in the error shape', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it('a non-numeric id → 400, never a database error', async () => {
    const res = await server.app.inject({ method: 'DELETE', url: '/api/v1/user/tokens/abc' });
    expect(res.statusCode).toBeLessThan(500);
  });
});

describe('an unexpected failure', () => {
  it('answers 500 with a request id and no stack trace', async () => {
    const app = Fastify({ logger: false });
    app.setErrorHandler(errorHandler);
    app.get('/boom', async () => {
      throw new Error('secret internals at /srv/app.js:12');
    });
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body.error.code).toBe('INTERNAL');
    expect(body.error.request_id).toBeTruthy();
    expect(res.body).not.toContain('secret internals');
    expect(res.body).not.toContain('.js:');
  });
});

describe('the OpenAPI document', () => {
  it('gives every error answer the code enum of the protocol list', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as {
      paths: Record<string, Record<string, { responses?: Record<string, ResponseDoc> }>>;
    };
    // The runner protocol's errors (ErrorBody) keep `code` a string, so an older runner reads new codes.
    const errorSchemas = Object.entries(doc.paths)
      .filter(([path]) => !path.startsWith('/api/v1/runner/'))
      .flatMap(([, methods]) => Object.values(methods))
      .flatMap((operation) => Object.entries(operation.responses ?? {}))
      .filter(([status]) => Number(status) >= 400)
      .flatMap(([, response]) => Object.values(response.content ?? {}).map((c) => c.schema.properties))
      // The health check's 503 is its own answer (status and database), not an error.
      .filter((properties) => !properties.status);
    expect(errorSchemas.length).toBeGreaterThan(50);
    for (const properties of errorSchemas)
      expect(properties.error?.properties.code).toEqual({ enum: ERROR_CODES });
  });
});

interface ResponseDoc {
  content?: Record<
    string,
    { schema: { properties: { error?: { properties: { code: unknown } }; status?: unknown } } }
  >;
}
