import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  insertUser,
  login,
  startTestServer,
  TEST_PASSWORD,
  type SessionHeaders,
  type TestServer,
} from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
} from '../test-support/fixtures.js';
import { transitionDeployment } from '../deployments/transitions.js';

let server: TestServer;
let admin: SessionHeaders;
let member: SessionHeaders;
let visibleIds: number[];

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminSession(server);
  const user = await insertUser(server, { login: 'member' });
  member = await login(server, 'member', TEST_PASSWORD);
  const { project: shop } = await insertProject(server, { name: 'shop' });
  const { project: secret } = await insertProject(server, { name: '=secret-project' });
  await server.ctx.db
    .insertInto('project_members')
    .values({ project_id: shop.id, user_id: user.id })
    .execute();
  visibleIds = [];
  for (const project of [shop, secret]) {
    const config = await insertBranchConfig(server, { project_id: project.id });
    for (let i = 0; i < 3; i += 1) {
      const deployment = await insertQueuedDeployment(
        server,
        await insertBuild(server, { project_id: project.id }),
        config,
      );
      if (project === shop) visibleIds.unshift(deployment.id);
      if (i === 0)
        await server.ctx.db
          .transaction()
          .execute((trx) =>
            transitionDeployment(server.ctx, trx, deployment.id, { to: 'skipped', message: 'newer build' }),
          );
    }
  }
});
afterAll(async () => server.close());

const get = (url: string, headers?: SessionHeaders) => server.app.inject({ method: 'GET', url, headers });
const csvRows = (body: string) => body.trim().split('\n').slice(1);

describe('exporting deployments', () => {
  it('downloads what the list shows the caller, newest first, as CSV with a header row', async () => {
    const res = await get('/api/v1/deployments/export', member);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="deployments.csv"');
    const [header, ...rows] = res.body.trim().split('\n');
    expect(header).toBe(
      'id,project,environment,status,failure_reason,exit_code,trigger,triggered_by,ref,sha,runner,queued_at,started_at,finished_at,duration_seconds',
    );
    expect(rows.map((row) => Number(row.split(',')[0]))).toEqual(visibleIds);
    expect(res.body).not.toContain('secret-project');
  });

  it('takes the list filters, and as JSON gives the list view of each deployment', async () => {
    const res = await get('/api/v1/deployments/export?format=json&status=skipped', member);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const exported = res.json();
    const listed = (await get('/api/v1/deployments?status=skipped', member)).json().deployments;
    expect(exported).toEqual(listed);
    expect(exported).toHaveLength(1);
  });

  it('keeps a project name from running as a spreadsheet formula', async () => {
    const res = await get('/api/v1/deployments/export', admin);
    expect(res.body).toContain(",'=secret-project,");
  });

  it('refuses an unknown format in words, and a caller without a login', async () => {
    const bad = await get('/api/v1/deployments/export?format=xlsx', member);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/format/);
    expect((await get('/api/v1/deployments/export')).statusCode).toBe(401);
  });
});

describe('exporting audit events', () => {
  it('streams 100,000 events, each exactly once, newest first', { timeout: 90_000 }, async () => {
    await sql`
      INSERT INTO audit_events (actor_login, action, entity_type, entity_id, after)
      SELECT 'bulk', 'bulk_test', 'thing', g::text, jsonb_build_object('n', g)
      FROM generate_series(1, 100000) AS g`.execute(server.ctx.db);
    const res = await get('/api/v1/audit/export?action=bulk_test', admin);
    expect(res.statusCode).toBe(200);
    const rows = csvRows(res.body);
    expect(rows).toHaveLength(100_000);
    const entityIds = rows.map((row) => Number(row.split(',')[5]));
    expect(new Set(entityIds).size).toBe(100_000);
    expect(entityIds[0]).toBe(100_000);
    expect(rows[0]).toContain('"{""n"":100000}"');
  });

  it('shows a member only the events they may see', async () => {
    const res = await get('/api/v1/audit/export?format=json&action=bulk_test', member);
    expect(res.json()).toEqual([]);
  });
});
