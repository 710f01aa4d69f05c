import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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
  insertRunner,
} from '../test-support/fixtures.js';
import type { BranchConfig, Deployment, Project } from '../db/schema.js';
import { transitionDeployment } from '../deployments/transitions.js';

let server: TestServer;
let owner: SessionHeaders;
let outsider: SessionHeaders;
let mine: Project;
let open: Project;

async function deploymentOf(project: Project, config: BranchConfig): Promise<Deployment> {
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  return insertQueuedDeployment(server, build, config);
}

async function move(d: Deployment, to: 'running' | 'succeeded' | 'failed'): Promise<void> {
  await server.ctx.db.transaction().execute(async (trx) => {
    if (to !== 'running') await transitionDeployment(server.ctx, trx, d.id, { to: 'running' });
    await transitionDeployment(server.ctx, trx, d.id, {
      to,
      failureReason: to === 'failed' ? 'script_failure' : null,
    });
  });
}

async function finishedDaysAgo(d: Deployment, days: number): Promise<void> {
  await server.ctx.db
    .updateTable('deployments')
    .set({ finished_at: new Date(Date.now() - days * 86_400_000) })
    .where('id', '=', d.id)
    .execute();
}

beforeAll(async () => {
  server = await startTestServer();
  const ownerUser = await insertUser(server, { login: 'owner' });
  await insertUser(server, { login: 'outsider' });
  owner = await login(server, 'owner', TEST_PASSWORD);
  outsider = await login(server, 'outsider', TEST_PASSWORD);
  ({ project: mine } = await insertProject(server, { name: 'mine', owner_id: ownerUser.id }));
  ({ project: open } = await insertProject(server, { name: 'open', public: true }));
  const { runner } = await insertRunner(server, { shared: true });

  const prod = await insertBranchConfig(server, { project_id: mine.id, branch_name: 'main' });
  const staging = await insertBranchConfig(server, {
    project_id: mine.id,
    branch_name: 'develop',
    environment: 'staging',
  });
  await insertBranchConfig(server, { project_id: mine.id, branch_name: 'qa', environment: 'qa' });
  const openProd = await insertBranchConfig(server, { project_id: open.id });

  // mine/production: one succeeded today, one failed 2 days ago; a newer one is queued.
  await move(await deploymentOf(mine, prod), 'succeeded');
  const failed = await deploymentOf(mine, prod);
  await move(failed, 'failed');
  await finishedDaysAgo(failed, 2);
  await deploymentOf(mine, prod);
  // mine/staging: running (older than the queued production one).
  const runningOne = await deploymentOf(mine, staging);
  await server.ctx.db
    .updateTable('deployments')
    .set({ runner_id: runner.id })
    .where('id', '=', runningOne.id)
    .execute();
  await move(runningOne, 'running');
  // open/production: two succeeded today.
  await move(await deploymentOf(open, openProd), 'succeeded');
  await move(await deploymentOf(open, openProd), 'succeeded');
});
afterAll(async () => server.close());

function get(url: string, headers?: SessionHeaders) {
  return server.app.inject({ method: 'GET', url, headers });
}

describe('GET /api/v1/dashboard', () => {
  it('shows each visible project × environment with its current deployment, running ones first', async () => {
    const res = await get('/api/v1/dashboard', owner);
    expect(res.statusCode).toBe(200);
    const entries = res.json().environments as {
      project: { name: string };
      environment: string;
      deployment: { status: string } | null;
      queued: number;
    }[];
    expect(
      entries.map((e) => [e.project.name, e.environment, e.deployment?.status ?? null, e.queued]),
    ).toEqual([
      ['mine', 'staging', 'running', 0],
      ['open', 'production', 'succeeded', 0],
      ['mine', 'production', 'queued', 1],
      ['mine', 'qa', null, 0],
    ]);
  });

  it('shows an outsider only public projects, and needs a login', async () => {
    const res = await get('/api/v1/dashboard', outsider);
    expect(res.json().environments.map((e: { project: { name: string } }) => e.project.name)).toEqual([
      'open',
    ]);
    expect((await get('/api/v1/dashboard')).statusCode).toBe(401);
  });
});

describe('deployment statistics', () => {
  it('counts succeeded and failed deployments per day of the projects the caller sees', async () => {
    const res = await get('/api/v1/stats/deployments?days=7', owner);
    expect(res.statusCode).toBe(200);
    const days = res.json().days as { date: string; succeeded: number; failed: number }[];
    expect(days).toHaveLength(7);
    const today = new Date().toISOString().slice(0, 10);
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    expect(days[6]).toEqual({ date: today, succeeded: 3, failed: 0 });
    expect(days.find((d) => d.date === twoDaysAgo)).toEqual({ date: twoDaysAgo, succeeded: 0, failed: 1 });
  });

  it('answers the public chart without a login, counting public projects only', async () => {
    const res = await get('/api/v1/public/stats/deployments?days=3');
    expect(res.statusCode).toBe(200);
    const days = res.json().days as { succeeded: number; failed: number }[];
    expect(days.reduce((sum, d) => sum + d.succeeded, 0)).toBe(2);
    expect(days.reduce((sum, d) => sum + d.failed, 0)).toBe(0);
    expect((await get('/api/v1/public/stats/deployments?days=0')).statusCode).toBe(400);
  });
});
