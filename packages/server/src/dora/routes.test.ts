import { beforeAll, describe, expect, it } from 'vitest';
import type { DoraEnvironment, DoraView } from '@polytene/protocol';
import { useTestServer, type SessionHeaders, signedInUser } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
} from '../test-support/fixtures.js';
import type { BranchConfig, Project } from '../db/schema.js';
import { quantile } from './service.js';

const server = useTestServer();
let owner: SessionHeaders;
let outsider: SessionHeaders;
let project: Project;

const HOUR = 3_600_000;
const today = new Date();
today.setUTCHours(0, 0, 0, 0);
/** `hour` o'clock UTC, `days` days before today. */
const at = (days: number, hour: number) => new Date(today.getTime() - days * 86_400_000 + hour * HOUR);
const dateOf = (days: number) => at(days, 0).toISOString().slice(0, 10);

/** A deployment in `status`, finished at `finished`, of a build started at `buildStarted` (created then when `startedUnset`). */
async function deployment(
  config: BranchConfig,
  status: 'succeeded' | 'failed' | 'canceled' | 'skipped',
  finished: Date,
  buildStarted: Date,
  startedUnset = false,
): Promise<void> {
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  await server.ctx.db
    .updateTable('builds')
    .set({ created_at: buildStarted, started_at: startedUnset ? null : buildStarted })
    .where('id', '=', build.id)
    .execute();
  const d = await insertQueuedDeployment(server, build, config);
  await server.ctx.db
    .updateTable('deployments')
    .set({
      status,
      queued_at: buildStarted,
      started_at: status === 'skipped' ? null : new Date(finished.getTime() - 60_000),
      finished_at: finished,
      failure_reason: status === 'failed' ? 'script_failure' : null,
    })
    .where('id', '=', d.id)
    .execute();
}

beforeAll(async () => {
  const { user: ownerUser, session } = await signedInUser(server, { login: 'dora-owner' });
  owner = session;
  ({ session: outsider } = await signedInUser(server, { login: 'dora-outsider' }));
  ({ project } = await insertProject(server, { name: 'dora', owner_id: ownerUser.id }));
  const prod = await insertBranchConfig(server, { project_id: project.id, branch_name: 'main' });
  const staging = await insertBranchConfig(server, {
    project_id: project.id,
    branch_name: 'develop',
    environment: 'staging',
  });
  // production
  await deployment(prod, 'succeeded', at(40, 10), at(40, 9)); // only in the 90-day window, lead 1 h
  await deployment(prod, 'succeeded', at(10, 11), at(10, 10)); // lead 1 h
  await deployment(prod, 'failed', at(8, 12), at(8, 11)); // restored 3 h later
  await deployment(prod, 'failed', at(8, 13), at(8, 12)); // restored 2 h later
  await deployment(prod, 'succeeded', at(8, 15), at(8, 12.5)); // lead 2.5 h
  await deployment(prod, 'canceled', at(5, 10), at(5, 9)); // left out
  await deployment(prod, 'skipped', at(5, 11), at(5, 9)); // left out
  await deployment(prod, 'succeeded', at(3, 10), at(3, 8), true); // lead 2 h from the build's created_at
  await deployment(prod, 'failed', at(2, 10), at(2, 9)); // not restored yet
  // staging
  await deployment(staging, 'succeeded', at(1, 10), at(1, 9.5)); // lead 30 min
});

async function dora(query: string, headers: SessionHeaders = owner): Promise<DoraView> {
  const res = await server.app.inject({
    method: 'GET',
    url: `/api/v1/projects/${project.id}/dora${query}`,
    headers,
  });
  expect(res.statusCode).toBe(200);
  return res.json<DoraView>();
}

function environment(view: DoraView, name: string): DoraEnvironment {
  const found = view.environments.find((e) => e.environment === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

describe('GET /api/v1/projects/:id/dora', () => {
  it('computes the four figures per environment over 30 days (the default)', async () => {
    const view = await dora('');
    expect(view.days).toBe(30);
    expect(view.from).toBe(dateOf(29));
    expect(view.environments.map((e) => e.environment)).toEqual(['production', 'staging']);
    const prod = environment(view, 'production');
    expect(prod).toMatchObject({
      deployments: 3,
      failures: 3,
      deploymentsPerDay: 0.1,
      changeFailureRate: 0.5,
      leadTime: { median: 7200, p90: 8640 },
      timeToRestore: { median: 9000, unrestored: 1 },
    });
    expect(prod.series).toHaveLength(30);
    expect(prod.series[0]?.date).toBe(dateOf(29));
    expect(prod.series[29]?.date).toBe(dateOf(0));
    expect(prod.series.find((d) => d.date === dateOf(8))).toEqual({
      date: dateOf(8),
      deployments: 1,
      failures: 2,
    });
    expect(prod.series.reduce((sum, d) => sum + d.deployments + d.failures, 0)).toBe(6);
    expect(environment(view, 'staging')).toMatchObject({
      deployments: 1,
      failures: 0,
      changeFailureRate: 0,
      leadTime: { median: 1800, p90: 1800 },
      timeToRestore: { median: null, unrestored: 0 },
    });
  });

  it('counts only the deployments finished in the window', async () => {
    const week = environment(await dora('?days=7'), 'production');
    expect(week).toMatchObject({
      deployments: 1,
      failures: 1,
      changeFailureRate: 0.5,
      leadTime: { median: 7200, p90: 7200 },
      timeToRestore: { median: null, unrestored: 1 },
    });
    expect(week.deploymentsPerDay).toBeCloseTo(1 / 7, 10);
    const quarter = environment(await dora('?days=90'), 'production');
    expect(quarter).toMatchObject({
      deployments: 4,
      failures: 3,
      changeFailureRate: 3 / 7,
      leadTime: { median: 5400 },
      timeToRestore: { median: 9000, unrestored: 1 },
    });
    expect(quarter.series).toHaveLength(90);
  });

  it('answers only the environment asked for, empty figures for one without deployments', async () => {
    const view = await dora('?environment=staging');
    expect(view.environments.map((e) => e.environment)).toEqual(['staging']);
    const none = await dora('?environment=qa');
    expect(none.environments).toEqual([
      expect.objectContaining({
        environment: 'qa',
        deployments: 0,
        failures: 0,
        deploymentsPerDay: 0,
        changeFailureRate: null,
        leadTime: { median: null, p90: null },
        timeToRestore: { median: null, unrestored: 0 },
      }),
    ]);
  });

  it('refuses other windows, and is not found for a project the caller may not see', async () => {
    const url = `/api/v1/projects/${project.id}/dora`;
    expect(
      (await server.app.inject({ method: 'GET', url: `${url}?days=14`, headers: owner })).statusCode,
    ).toBe(400);
    expect((await server.app.inject({ method: 'GET', url, headers: outsider })).statusCode).toBe(404);
    expect((await server.app.inject({ method: 'GET', url })).statusCode).toBe(401);
  });

  it("starts the lead time at the commit's time when CI gave it", async () => {
    const canary = await insertBranchConfig(server, {
      project_id: project.id,
      branch_name: 'canary',
      environment: 'canary',
    });
    await deployment(canary, 'succeeded', at(1, 12), at(1, 11)); // build started 1 h before
    await server.ctx.db
      .updateTable('builds')
      .set({ committed_at: at(1, 8) }) // committed 4 h before
      .where('branch_config_id', '=', canary.id)
      .execute();
    expect(environment(await dora('?environment=canary'), 'canary').leadTime.median).toBe(4 * 3600);
  });
});

describe('quantile', () => {
  it('interpolates linearly between samples', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([5], 0.9)).toBe(5);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20, 30], 0.9)).toBe(28);
  });
});
