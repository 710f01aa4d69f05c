import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '@polytene/protocol';
import { useTestServer } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../test-support/fixtures.js';
import { parseConfig } from '../config.js';
import { createServer, type RunningServer } from '../server.js';
import { publish } from '../events/bus.js';
import { JOBS_TOPIC } from '../deployments/transitions.js';
import { claimDemand } from './dispatch.js';

const server = useTestServer();
/** A second replica on the same database: its own pool, event bus and waiters. */
let replica: RunningServer;
let replicaDir: string;
beforeAll(async () => {
  replicaDir = await mkdtemp(path.join(os.tmpdir(), 'polytene-test-replica-'));
  replica = await createServer(
    parseConfig({ ...server.ctx.config, databaseUrl: server.databaseUrl, dataDir: replicaDir }),
    { worker: false },
  );
});
afterAll(async () => {
  await replica?.stop();
  await rm(replicaDir, { recursive: true, force: true });
});

/** Claim transactions run by the long polls of `app` so far (metrics counter). */
async function claims(app: RunningServer = server): Promise<number> {
  const metric = await app.ctx.metrics.registry.getSingleMetric('polytene_job_claims_total')?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

function requestJob(app: RunningServer, token: string, waitMs: number) {
  return app.app
    .inject({
      method: 'POST',
      url: '/api/v1/runner/jobs/request',
      headers: { authorization: `Bearer ${token}` },
      payload: { wait_ms: waitMs },
    })
    .then((res) => ({ status: res.statusCode, job: res.statusCode === 201 ? res.json<Job>() : null }));
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `count` runners of `values` waiting on `app`, each past its first claim. */
async function waitingRunners(
  app: RunningServer,
  count: number,
  values: { shared?: boolean } = { shared: true },
  waitMs = 4_000,
) {
  const before = app.ctx.dispatch.waiters.idle;
  const runners = [];
  for (let i = 0; i < count; i++) runners.push(await insertRunner(server, values));
  const polls = runners.map(({ token }) => requestJob(app, token, waitMs));
  await waitUntil(() => app.ctx.dispatch.waiters.idle === before + count);
  return { runners, polls };
}

async function queueJob(runnerId: number | null = null) {
  const { project } = await insertProject(server, { runner_id: runnerId });
  const config = await insertBranchConfig(server, { project_id: project.id });
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  const deployment = await insertQueuedDeployment(server, build, config);
  await publish(server.ctx.db, JOBS_TOPIC, { project_id: project.id });
  return deployment;
}

describe('the demand query', () => {
  it('counts claimable jobs per linked runner and for shared runners, not those behind another in their environment', async () => {
    const before = await claimDemand(server.ctx.db);
    const { runner } = await insertRunner(server);
    const { project: linked } = await insertProject(server, { runner_id: runner.id });
    const config = await insertBranchConfig(server, { project_id: linked.id });
    for (let i = 0; i < 3; i++) {
      const build = await insertBuild(server, { project_id: linked.id, branch_config_id: config.id });
      await insertQueuedDeployment(server, build, config);
    }
    await queueJob();
    await queueJob();
    const after = await claimDemand(server.ctx.db);
    const shared = (demand: typeof after) => demand.find((d) => d.runnerId === null)?.count ?? 0;
    expect(after.find((d) => d.runnerId === runner.id)?.count).toBe(1);
    expect(shared(after) - shared(before)).toBe(2);
    await server.ctx.db
      .updateTable('deployments')
      .set({ status: 'canceled' })
      .where('status', '=', 'queued')
      .execute();
  });
});

describe('dispatch of a new job to waiting runners', () => {
  it('wakes exactly one of 50 waiting runners: one claim transaction for one job', async () => {
    const { polls } = await waitingRunners(server, 50);
    const before = await claims();
    const deployment = await queueJob();
    await waitUntil(async () => (await claims()) > before);
    await new Promise((r) => setTimeout(r, 300));
    expect(await claims()).toBe(before + 1);
    expect(server.ctx.dispatch.waiters.idle).toBe(49);
    const answers = await Promise.all(polls);
    expect(answers.filter((a) => a.status === 201).map((a) => a.job?.id)).toEqual([deployment.id]);
    expect(server.ctx.dispatch.waiters.size).toBe(0);
  });

  it('gives a job of a project linked to runner B to B, though 20 shared runners wait ahead of it', async () => {
    const ahead = await waitingRunners(server, 20);
    const b = await waitingRunners(server, 1, { shared: false });
    const before = await claims();
    const deployment = await queueJob(b.runners[0]!.runner.id);
    const answer = await b.polls[0]!;
    expect(answer.job?.id).toBe(deployment.id);
    expect(await claims()).toBe(before + 1);
    expect((await Promise.all(ahead.polls)).every((a) => a.status === 204)).toBe(true);
  });

  it('claims a job announced while the waiter is still making its first claim, not when its poll ends', async () => {
    for (let round = 0; round < 10; round++) {
      const { token } = await insertRunner(server, { shared: true });
      const started = Date.now();
      // The poll registers and claims while the job is queued and announced.
      const poll = requestJob(server, token, 20_000);
      if (round % 2 === 1) await new Promise((r) => setTimeout(r, round));
      const deployment = await queueJob();
      const answer = await poll;
      expect(answer.job?.id).toBe(deployment.id);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
  });

  it('gives each job to exactly one runner with runners waiting on two replicas of one database', async () => {
    const here = await waitingRunners(server, 10, { shared: true }, 5_000);
    const there = await waitingRunners(replica, 10, { shared: true }, 5_000);
    const before = (await claims(server)) + (await claims(replica));
    const queued = [];
    for (let i = 0; i < 8; i++) queued.push((await queueJob()).id);
    const answers = await Promise.all([...here.polls, ...there.polls]);
    const claimed = answers.flatMap((a) => (a.job ? [a.job.id] : []));
    expect(claimed.sort((a, b) => a - b)).toEqual(queued);
    const running = await server.ctx.db
      .selectFrom('deployments')
      .select(['id', 'runner_id'])
      .where('id', 'in', queued)
      .where('status', '=', 'running')
      .execute();
    expect(new Set(running.map((r) => r.runner_id)).size).toBe(8);
    // Each job costs a few claims per replica (more in a burst: a runner that lost a job to the other
    // replica may be woken for the next), not one per waiting runner (160 for the 8 jobs before
    // dispatch); the 12 polls left claim once more when their time is up.
    const spent = (await claims(server)) + (await claims(replica)) - before;
    expect(spent - 12).toBeLessThanOrEqual(8 * 2 * 4);
  });
});
