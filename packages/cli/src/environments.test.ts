import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentView } from '@polytene/protocol';
import { ApiClient } from './client.js';
import { EXIT } from './errors.js';
import { envs, hold, resume, rollback } from './environments.js';
import type { Output } from './output.js';
import { localServer } from './test-support/http.js';

const live = {
  deployment_id: 31,
  status: 'succeeded',
  trigger: 'user',
  rollback: true,
  build: { id: 7, ref: 'main', sha: 'abcdef0123456789', commit: null },
  triggered_by: { id: 2, login: 'dora' },
  queued_at: '2026-12-03T09:00:00.000Z',
  started_at: '2026-12-03T09:00:01.000Z',
  finished_at: '2026-12-03T09:00:09.000Z',
  duration_seconds: 8,
  phase: null,
} as const;

function environment(id: number, name: string, extra: Partial<EnvironmentView> = {}): EnvironmentView {
  return {
    id,
    project_id: 1,
    name,
    position: id,
    url: null,
    variables: [],
    targets: [],
    live: null,
    last: null,
    waiting: 0,
    hold: null,
    frozen_until: null,
    freeze_expire_hours: null,
    protected: false,
    required_approvals: 0,
    deployers: [],
    created_at: '2026-12-01T00:00:00.000Z',
    updated_at: '2026-12-01T00:00:00.000Z',
    ...extra,
  };
}

const hold1 = { by: { id: 2, login: 'dora' }, at: '2026-12-03T09:00:00.000Z', deployment_id: 31 };
// The server's order (pipeline order) is kept: qa before production.
const listed = [
  environment(5, 'qa'),
  environment(4, 'production', { live, waiting: 2, hold: { ...hold1, reason: 'rolled back to build #7' } }),
];
const requests: { method: string; path: string; body: unknown }[] = [];

let server: Awaited<ReturnType<typeof localServer>>;
beforeAll(async () => {
  server = await localServer((req, res, url) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        body: text ? JSON.parse(text) : undefined,
      });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/api/v1/projects/1') send(200, { id: 1, name: 'shop' });
      else if (url.pathname === '/api/v1/projects/1/environments') send(200, { environments: listed });
      else if (url.pathname === '/api/v1/environments/5/hold')
        send(200, { ...listed[0], hold: { ...hold1, deployment_id: null, reason: 'db work' } });
      else if (url.pathname === '/api/v1/environments/4/resume') send(200, { ...listed[1], hold: null });
      else if (url.pathname === '/api/v1/environments/4/rollback')
        send(201, {
          id: 40,
          status: 'queued',
          environment: 'production',
          project: { id: 1, name: 'shop' },
          build: { id: 6, ref: 'main', sha: '0123456789abcdef' },
        });
      else send(404, { error: { code: 'NOT_FOUND', message: 'not found' } });
    });
  });
});
afterAll(() => server.close());

function capture(json = false): Output & { lines: string[]; notes: string[] } {
  const lines: string[] = [];
  const notes: string[] = [];
  return { json, lines, notes, line: (t) => lines.push(t), note: (t) => notes.push(t) };
}

const client = () => new ApiClient(server.url, 'pt_abc');

describe('polytene envs', () => {
  it("lists the server's environments in pipeline order with live build, waiting and hold", async () => {
    const out = capture();
    expect(await envs(client(), out, '1')).toBe(EXIT.ok);
    expect(out.lines[0]).toMatch(/^ENVIRONMENT\s+LIVE\s+LAST ATTEMPT\s+WAITING\s+HOLD$/);
    expect(out.lines[1]).toMatch(/^qa\s+-\s+-\s+0\s+-$/);
    expect(out.lines[2]).toMatch(
      /^production\s+build 7 main@abcdef01 \(rollback\) 2026-12-03 09:00:09\s+-\s+2\s+held by dora: rolled back to build #7$/,
    );
  });

  it('prints the list as JSON with --json', async () => {
    const out = capture(true);
    await envs(client(), out, '1');
    expect(JSON.parse(out.lines.join('\n'))).toEqual({ environments: listed });
  });
});

describe('polytene hold, resume and rollback', () => {
  it('holds the named environment with the reason, and resumes it', async () => {
    const out = capture();
    await hold(client(), out, '1', { env: 'qa', message: 'db work' });
    expect(requests.at(-1)).toEqual({
      method: 'POST',
      path: '/api/v1/environments/5/hold',
      body: { reason: 'db work' },
    });
    expect(out.lines).toEqual(['qa: held by dora: db work']);
    const json = capture(true);
    await resume(client(), json, '1', { env: 'production' });
    expect(requests.at(-1)?.path).toBe('/api/v1/environments/4/resume');
    expect(JSON.parse(json.lines.join('\n'))).toMatchObject({ name: 'production', hold: null });
  });

  it('rolls back through the server route and says from which build to which', async () => {
    const out = capture();
    expect(await rollback(client(), out, '1', { env: 'production' })).toBe(EXIT.ok);
    expect(requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/v1/environments/4/rollback' });
    expect(out.notes[0]).toContain('rolling production back from build 7 (abcdef01) to build 6 (01234567)');
    expect(out.lines).toEqual(['deployment 40 queued: shop main@01234567 (build 6) to production']);
  });

  it('names the environments there are when asked for another (exit 4)', async () => {
    await expect(hold(client(), capture(), '1', { env: 'staging', message: 'x' })).rejects.toMatchObject({
      code: EXIT.notFound,
      message: 'shop has no environment "staging" (it has: qa, production)',
    });
  });
});
