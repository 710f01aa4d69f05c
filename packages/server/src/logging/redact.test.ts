import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { adminSession, bearerFor, useTestServer, type SessionHeaders } from '../test-support/server.js';
import { insertProject, insertRunner } from '../test-support/fixtures.js';
import type { Project } from '../db/schema.js';
import { redactText, redactUrl } from './redact.js';

/** Every line the server logs, as written. */
class CapturedLog {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  text(): string {
    return this.lines.join('');
  }
}

const legacyBuild = JSON.parse(
  readFileSync(new URL('../intake/legacy/fixtures/gitlab-ci-8.0-build.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const pipeline = JSON.parse(
  readFileSync(new URL('../intake/gitlab/fixtures/pipeline-success.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const log = new CapturedLog();
const server = useTestServer({ logLevel: 'info' }, { logStream: log });
let project: Project;
let webhookSecret: string;
let session: SessionHeaders;
let bearer: { authorization: string };
let runnerToken: string;
const jobToken = 'pjt_Zm9yZ2VkLWpvYi10b2tlbi1mb3ItdGhlLWxvZw';

beforeAll(async () => {
  ({ project, webhookSecret } = await insertProject(server));
  session = await adminSession(server);
  bearer = await bearerFor(server, session);
  ({ token: runnerToken } = await insertRunner(server));
});

function secrets(): Record<string, string> {
  return {
    webhookSecret,
    bearer: bearer.authorization.slice('Bearer '.length),
    ...Object.fromEntries(
      session.cookie.split('; ').map((pair) => [`cookie ${pair.split('=')[0]}`, pair.split('=')[1]!]),
    ),
    csrf: session['x-csrf-token'],
    runnerToken,
    jobToken,
  };
}

function expectNoSecret(text: string): void {
  const shown = Object.entries(secrets()).filter(([, value]) => text.includes(value));
  expect(shown.map(([name]) => name)).toEqual([]);
}

describe('the server log', () => {
  it('shows no token of any request, but still the route with [REDACTED]', async () => {
    const legacy = `/api/v1/builds/${webhookSecret}/create`;
    const requests = [
      { method: 'POST' as const, url: legacy, payload: legacyBuild, status: 201 },
      { method: 'POST' as const, url: legacy, payload: { build_id: 1 }, status: 400 },
      { method: 'GET' as const, url: legacy, status: 404 },
      { method: 'POST' as const, url: `/api/v1/builds/${webhookSecret}`, payload: {}, status: 404 },
      {
        method: 'POST' as const,
        url: `${legacy}?private_token=${webhookSecret}&ref=main`,
        payload: { ...legacyBuild, build_id: 2 },
        status: 201,
      },
      {
        method: 'POST' as const,
        url: `/api/v1/projects/${project.id}/hooks/gitlab`,
        headers: { 'x-gitlab-token': webhookSecret, 'x-gitlab-event': 'Pipeline Hook' },
        payload: pipeline,
        status: 200,
      },
      {
        method: 'POST' as const,
        url: `/api/v1/projects/${project.id}/builds`,
        headers: bearer,
        payload: { ref: 'main', sha: 'b'.repeat(40), status: 'success' },
        status: 201,
      },
      { method: 'GET' as const, url: '/api/v1/user', headers: bearer, status: 200 },
      { method: 'GET' as const, url: '/api/v1/user', headers: session, status: 200 },
      {
        method: 'POST' as const,
        url: '/api/v1/runner/hello',
        headers: { authorization: `Bearer ${runnerToken}` },
        payload: { version: '1.0.0', hostname: 'deploy-1', public_key: null, concurrency: 1 },
        status: 200,
      },
      {
        method: 'PUT' as const,
        url: '/api/v1/runner/jobs/1',
        headers: { authorization: `Bearer ${jobToken}` },
        payload: { status: 'running' },
        status: 401,
      },
    ];
    for (const { status, ...request } of requests) {
      const res = await server.app.inject(request);
      expect(res.statusCode, `${request.method} ${request.url}: ${res.body}`).toBe(status);
    }
    const text = log.text();
    expectNoSecret(text);
    expect(text).toContain('"url":"/api/v1/builds/[REDACTED]/create"');
    expect(text).toContain('"url":"/api/v1/builds/[REDACTED]"');
    expect(text).toContain('"url":"/api/v1/builds/[REDACTED]/create?private_token=[REDACTED]&ref=main"');
    expect(text).toContain(`"url":"/api/v1/projects/${project.id}/hooks/gitlab"`);
    expect(text).toContain('"url":"/api/v1/runner/hello"');
  });

  it('shows no token in error logs, log messages or logged headers', () => {
    const { webhookSecret: secret, bearer: token } = secrets();
    const url = `/api/v1/builds/${secret}/create`;
    server.app.log.error({ err: new Error(`Reply was already sent, url: ${url}`) }, 'request failed');
    const failed = Object.assign(new Error('insert failed', { cause: new Error(`GET ${url}`) }), {
      code: '23505',
      detail: `Key (token)=(${token}) already exists.`,
      request: { url, headers: { 'private-token': token } },
    });
    server.app.log.error({ err: failed }, 'request failed');
    server.app.log.warn(`Reply was already sent, did you forget to "return reply" in the "${url}" route?`);
    server.app.log.info(
      {
        headers: {
          authorization: `Bearer ${token}`,
          cookie: session.cookie,
          'x-gitlab-token': secret,
          'x-csrf-token': session['x-csrf-token'],
        },
      },
      'headers',
    );
    server.app.log.info({ request: { url, headers: { 'x-gitlab-token': secret } } }, 'nested');
    const text = log.text();
    expectNoSecret(text);
    expect(text).toContain('/api/v1/builds/[REDACTED]/create');
    expect(text).toContain('"x-gitlab-token":"[REDACTED]"');
    const error = log.lines
      .map((line) => JSON.parse(line) as { err?: Record<string, unknown> })
      .find((line) => line.err?.message === 'insert failed')?.err;
    expect(error).toMatchObject({
      code: '23505',
      detail: 'Key (token)=(pt_[REDACTED]) already exists.',
      cause: { message: 'GET /api/v1/builds/[REDACTED]/create' },
      request: { headers: { 'private-token': '[REDACTED]' } },
    });
  });
});

describe('the job log', () => {
  it("shows no token when a task's error quotes one", async () => {
    const printed: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
    });
    try {
      const { webhookSecret: secret, runnerToken: token } = secrets();
      server.ctx.jobs.register('leaky', async () => {
        throw new Error(`POST https://ci.example.test/api/v1/builds/${secret}/create with ${token} failed`);
      });
      await server.ctx.jobs.start(1);
      await server.ctx.jobs.add(server.ctx.db, 'leaky', { project_id: 1 }, { maxAttempts: 1 });
      await vi.waitFor(() => expect(printed.join('\n')).toContain('Failed task'), { timeout: 10_000 });
    } finally {
      spy.mockRestore();
      await server.ctx.jobs.stop();
    }
    const text = printed.join('\n');
    expectNoSecret(text);
    expect(text).toContain('/api/v1/builds/[REDACTED]/create with prt_[REDACTED] failed');
  });
});

describe('redactUrl and redactText', () => {
  it('replaces the legacy token, secret query values and known token forms, leaving the rest', () => {
    expect(redactUrl('/api/v1/builds/s3cr3t-Token_x/create?a=1')).toBe(
      '/api/v1/builds/[REDACTED]/create?a=1',
    );
    expect(redactUrl('/API/V1/Builds/s3cr3t/create')).toBe('/API/V1/Builds/[REDACTED]/create');
    expect(redactUrl('/api/v1/builds/42/deployments')).toBe('/api/v1/builds/42/deployments');
    expect(redactUrl('/invitations/pi_abc-DEF_123')).toBe('/invitations/[REDACTED]');
    expect(redactUrl('/api/v1/invitations/by-token/mistyped/accept')).toBe(
      '/api/v1/invitations/by-token/[REDACTED]/accept',
    );
    expect(redactUrl('/api/v1/invitations/7')).toBe('/api/v1/invitations/7');
    expect(redactText('no invitation pi_abcdefghijklmnopqrstuvwx here')).toBe(
      'no invitation pi_[REDACTED] here',
    );
    expect(redactUrl('/api/v1/projects?search=x&token=abc&api_key=k&page=2')).toBe(
      '/api/v1/projects?search=x&token=[REDACTED]&api_key=[REDACTED]&page=2',
    );
    expect(redactText('Authorization: Bearer pt_abcdefghijklmnopqrstuvwx sent')).toBe(
      'Authorization: Bearer [REDACTED] sent',
    );
    expect(redactText('token prt_abcdefghijklmnopqrstuvwx is not valid')).toBe(
      'token prt_[REDACTED] is not valid',
    );
  });
});
