import { beforeAll, describe, expect, it } from 'vitest';
import { adminSession, useTestServer, type SessionHeaders, signedInUser } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
} from '../test-support/fixtures.js';
import type { Deployment } from '../db/schema.js';
import { insertLogLines } from '../test-support/logs.js';

const LINES = 4_500;

const server = useTestServer();
let admin: SessionHeaders;
let outsider: SessionHeaders;
let deployment: Deployment;

beforeAll(async () => {
  admin = await adminSession(server);
  ({ session: outsider } = await signedInUser(server, { login: 'outsider' }));
  const { project } = await insertProject(server);
  const config = await insertBranchConfig(server, { project_id: project.id });
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  deployment = await insertQueuedDeployment(server, build, config);
  const t = new Date('2024-05-01T12:00:00Z');
  const rows = Array.from({ length: LINES }, (_, i) => ({
    n: i + 1,
    stream: i % 10 === 9 ? ('stderr' as const) : ('stdout' as const),
    t,
    text: i === 0 ? '<b>not html</b> zażółć' : `line ${i + 1}`,
  }));
  // Stored out of order on purpose (the last thousand first, each reversed): the API orders by number.
  for (let i = Math.floor((rows.length - 1) / 1000) * 1000; i >= 0; i -= 1000)
    await insertLogLines(server.ctx.db, deployment.id, rows.slice(i, i + 1000).reverse());
  await server.ctx.db
    .updateTable('deployments')
    .set({ last_log_n: LINES })
    .where('id', '=', deployment.id)
    .execute();
});

function get(url: string, headers: SessionHeaders = admin) {
  return server.app.inject({ method: 'GET', url, headers });
}

describe('GET /api/v1/deployments/:id/log', () => {
  it('answers the lines after N in order, 1000 by default, with last_n and the status', async () => {
    const res = await get(`/api/v1/deployments/${deployment.id}/log`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.lines).toHaveLength(1000);
    expect(body.lines[0]).toEqual({
      n: 1,
      stream: 'stdout',
      t: '2024-05-01T12:00:00.000Z',
      text: '<b>not html</b> zażółć',
    });
    expect(body.lines[9].stream).toBe('stderr');
    expect(body).toMatchObject({ last_n: LINES, status: 'queued', cancel_requested: false });
    const after = await get(`/api/v1/deployments/${deployment.id}/log?after=4490&limit=5`);
    expect(after.json().lines.map((l: { n: number }) => l.n)).toEqual([4491, 4492, 4493, 4494, 4495]);
    const end = await get(`/api/v1/deployments/${deployment.id}/log?after=${LINES}`);
    expect(end.json().lines).toEqual([]);
  });

  it('caps the limit at 10000 and hides the log from an outsider', async () => {
    expect((await get(`/api/v1/deployments/${deployment.id}/log?limit=10001`)).statusCode).toBe(400);
    expect((await get(`/api/v1/deployments/${deployment.id}/log`, outsider)).statusCode).toBe(404);
    expect((await get(`/api/v1/deployments/${deployment.id}/log.txt`, outsider)).statusCode).toBe(404);
  });
});

describe('GET /api/v1/deployments/:id/log.txt', () => {
  it('streams the whole log as plain text in line order, across read batches', async () => {
    const res = await get(`/api/v1/deployments/${deployment.id}/log.txt`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    const lines = res.body.split('\n');
    expect(lines).toHaveLength(LINES + 1);
    expect(lines[0]).toBe('<b>not html</b> zażółć');
    expect(lines[2000]).toBe('line 2001');
    expect(lines[LINES - 1]).toBe(`line ${LINES}`);
    expect(lines[LINES]).toBe('');
  });
});

describe('GET /api/v1/deployments/:id/log/search', () => {
  const search = (query: string, headers?: SessionHeaders) =>
    get(`/api/v1/deployments/${deployment.id}/log/search?${query}`, headers);

  it('pages through every match across the stored chunks, in line order, ignoring case', async () => {
    const expected = Array.from({ length: LINES }, (_, i) => i + 1).filter(
      (n) => n > 1 && String(n).includes('99'),
    );
    const found: number[] = [];
    let after = 0;
    for (let page = 0; page < 20; page++) {
      const res = await search(`q=99&after=${after}&limit=7`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.matches.length).toBeLessThanOrEqual(7);
      found.push(...body.matches.map((m: { n: number }) => m.n));
      if (body.next_after === null) break;
      after = body.next_after;
    }
    expect(found).toEqual(expected);
    expect(expected.at(-1)).toBe(4499);
    const first = (await search('q=NOT%20HTML')).json();
    expect(first).toEqual({
      matches: [{ n: 1, stream: 'stdout', text: '<b>not html</b> zażółć' }],
      next_after: null,
    });
    const stderr = (await search('q=line%204500')).json();
    expect(stderr.matches).toEqual([{ n: 4500, stream: 'stderr', text: 'line 4500' }]);
  });

  it('treats the query as plain text, not a pattern', async () => {
    const res = await search(`q=${encodeURIComponent('(a+)+$')}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ matches: [], next_after: null });
  });

  it('refuses an empty, blank or too long query and a limit above 1000 with a 400', async () => {
    for (const query of ['q=', 'q=%20%20', `q=${'x'.repeat(201)}`, 'q=line&limit=1001', ''])
      expect((await search(query)).statusCode, query).toBe(400);
  });

  it('hides the log from someone who is not a member of the project with a 404', async () => {
    const res = await search('q=line', outsider);
    expect(res.statusCode).toBe(404);
  });
});
