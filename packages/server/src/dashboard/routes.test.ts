import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer, type SessionHeaders, signedInUser } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../test-support/fixtures.js';
import type { BranchConfig, Deployment, Project, User } from '../db/schema.js';
import { transitionDeployment } from '../deployments/transitions.js';

const server = useTestServer();
let owner: SessionHeaders;
let outsider: SessionHeaders;
let mine: Project;
let open: Project;
let ownerUser: User;
let outsiderUser: User;

/** A queued deployment, started by `by` (a user's id) when given. */
async function deploymentOf(project: Project, config: BranchConfig, by?: User): Promise<Deployment> {
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  const deployment = await insertQueuedDeployment(server, build, config);
  if (!by) return deployment;
  return server.ctx.db
    .updateTable('deployments')
    .set({ triggered_by: by.id })
    .where('id', '=', deployment.id)
    .returningAll()
    .executeTakeFirstOrThrow();
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
  ({ user: ownerUser, session: owner } = await signedInUser(server, { login: 'owner' }));
  ({ user: outsiderUser, session: outsider } = await signedInUser(server, { login: 'outsider' }));
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

  // mine/production: one succeeded today, one failed 2 days ago (both the owner's); a newer one is queued.
  await move(await deploymentOf(mine, prod, ownerUser), 'succeeded');
  const failed = await deploymentOf(mine, prod, ownerUser);
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
  // open/production: three succeeded today: the outsider's, the owner's, and an automatic one.
  await move(await deploymentOf(open, openProd, outsiderUser), 'succeeded');
  await move(await deploymentOf(open, openProd, ownerUser), 'succeeded');
  await move(await deploymentOf(open, openProd), 'succeeded');
});

function get(url: string, headers?: SessionHeaders) {
  return server.app.inject({ method: 'GET', url, headers });
}

type Cell = {
  environment: { name: string; position: number };
  live: { status: string; deployment_id: number } | null;
  last: { status: string } | null;
  next: { status: string; waiting_for: { message: string } | null } | null;
  waiting: number;
};

describe('GET /api/v1/dashboard', () => {
  it('answers each visible project with its environments in pipeline order: live, last attempt, next waiting', async () => {
    const res = await get('/api/v1/dashboard', owner);
    expect(res.statusCode).toBe(200);
    const projects = res.json().projects as { name: string; environments: Cell[] }[];
    const shape = projects.map((p) => [
      p.name,
      p.environments.map((c) => [
        c.environment.name,
        c.live?.status ?? null,
        c.last?.status ?? null,
        c.next?.status ?? null,
        c.waiting,
      ]),
    ]);
    expect(shape).toEqual([
      [
        'mine',
        [
          ['qa', null, null, null, 0],
          ['staging', null, 'running', null, 0],
          ['production', 'succeeded', 'failed', 'queued', 1],
        ],
      ],
      ['open', [['production', 'succeeded', null, null, 0]]],
    ]);
    const positions = projects[0]?.environments.map((c) => c.environment.position) ?? [];
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('shows the last succeeded deployment as live, not a newer failed one, and why the next one waits', async () => {
    const res = await get('/api/v1/dashboard', owner);
    const prod = (res.json().projects as { name: string; environments: Cell[] }[])
      .find((p) => p.name === 'mine')
      ?.environments.find((c) => c.environment.name === 'production');
    const succeeded = await server.ctx.db
      .selectFrom('deployments')
      .select('id')
      .where('project_id', '=', mine.id)
      .where('status', '=', 'succeeded')
      .executeTakeFirstOrThrow();
    expect(prod?.live?.deployment_id).toBe(succeeded.id);
    expect(prod?.next?.waiting_for?.message).toEqual(expect.any(String));
  });

  it('shows an outsider only public projects, and needs a login', async () => {
    const res = await get('/api/v1/dashboard', outsider);
    expect(res.json().projects.map((p: { name: string }) => p.name)).toEqual(['open']);
    expect((await get('/api/v1/dashboard')).statusCode).toBe(401);
  });
});

describe('deployment statistics', () => {
  it('counts, per day, only the succeeded and failed deployments the caller started (“Your deployments”)', async () => {
    const res = await get('/api/v1/stats/deployments?days=7', owner);
    expect(res.statusCode).toBe(200);
    const days = res.json().days as { date: string; succeeded: number; failed: number }[];
    expect(days).toHaveLength(7);
    const today = new Date().toISOString().slice(0, 10);
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    // the owner's two today (mine and open), not the outsider's nor the automatic one in open
    expect(days[6]).toEqual({ date: today, succeeded: 2, failed: 0 });
    expect(days.find((d) => d.date === twoDaysAgo)).toEqual({ date: twoDaysAgo, succeeded: 0, failed: 1 });
  });

  it('counts another user’s own deployments for them, in the same project', async () => {
    const res = await get('/api/v1/stats/deployments?days=7', outsider);
    const days = res.json().days as { date: string; succeeded: number; failed: number }[];
    expect(days[6]).toMatchObject({ succeeded: 1, failed: 0 });
    expect(days.reduce((sum, d) => sum + d.succeeded + d.failed, 0)).toBe(1);
  });

  it('answers the public chart without a login, counting public projects only', async () => {
    const res = await get('/api/v1/public/stats/deployments?days=3');
    expect(res.statusCode).toBe(200);
    const days = res.json().days as { succeeded: number; failed: number }[];
    expect(days.reduce((sum, d) => sum + d.succeeded, 0)).toBe(3);
    expect(days.reduce((sum, d) => sum + d.failed, 0)).toBe(0);
    expect((await get('/api/v1/public/stats/deployments?days=0')).statusCode).toBe(400);
  });
});
