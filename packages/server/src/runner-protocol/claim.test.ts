import { describe, expect, it } from 'vitest';
import { useTestServer } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../test-support/fixtures.js';
import { claimJob } from './claim.js';

const server = useTestServer();

async function queueIn(projectId: number, count: number) {
  const config = await insertBranchConfig(server, { project_id: projectId });
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const build = await insertBuild(server, { project_id: projectId, branch_config_id: config.id });
    ids.push((await insertQueuedDeployment(server, build, config)).id);
  }
  return ids;
}

describe('claiming a deployment', () => {
  it('gives each deployment to exactly one of several runners claiming at once, one per environment', async () => {
    const runners = await Promise.all([1, 2, 3].map(() => insertRunner(server, { shared: true })));
    const single: number[] = [];
    for (let i = 0; i < 12; i++) {
      const { project } = await insertProject(server);
      single.push(...(await queueIn(project.id, 1)));
    }
    const { project: busy } = await insertProject(server);
    const sameEnvironment = await queueIn(busy.id, 4);

    const attempts = runners.flatMap(({ runner }) =>
      Array.from({ length: 10 }, () =>
        claimJob(server.ctx, runner, null).then((job) => job && { job, runner }),
      ),
    );
    const claims = (await Promise.all(attempts)).filter((c) => c !== null);

    const ids = claims.map((c) => c.job.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort((a, b) => a - b)).toEqual([...single, sameEnvironment[0]!].sort((a, b) => a - b));
    const running = await server.ctx.db
      .selectFrom('deployments')
      .select(['id', 'runner_id'])
      .where('status', '=', 'running')
      .execute();
    expect(running).toHaveLength(ids.length);
    for (const claim of claims) {
      expect(running.find((r) => r.id === claim.job.id)?.runner_id).toBe(claim.runner.id);
    }
  });

  it('gives a paused runner nothing even when asked directly', async () => {
    const { runner } = await insertRunner(server, { active: false });
    const { project } = await insertProject(server, { runner_id: runner.id });
    await queueIn(project.id, 1);
    expect(await claimJob(server.ctx, runner, null)).toBeNull();
  });
});

describe('which runner may claim a project', () => {
  it('never gives a project linked to runner A to shared runner B, even while A is busy or paused', async () => {
    const { runner: a } = await insertRunner(server);
    const { runner: b } = await insertRunner(server, { shared: true });
    const { project: linked } = await insertProject(server, { runner_id: a.id });
    const [first, second] = await queueIn(linked.id, 2);
    const config = await insertBranchConfig(server, {
      project_id: linked.id,
      branch_name: 'staging',
      environment: 'staging',
    });
    const build = await insertBuild(server, { project_id: linked.id, branch_config_id: config.id });
    const staging = await insertQueuedDeployment(server, build, config);

    expect(await claimJob(server.ctx, b, null)).toBeNull();
    expect((await claimJob(server.ctx, a, null))?.id).toBe(first);
    // A is busy with production; staging waits for A, not for B.
    expect(await claimJob(server.ctx, b, null)).toBeNull();
    await server.ctx.db.updateTable('runners').set({ active: false }).where('id', '=', a.id).execute();
    expect(await claimJob(server.ctx, b, null)).toBeNull();
    const statuses = await server.ctx.db
      .selectFrom('deployments')
      .select(['id', 'status', 'runner_id'])
      .where('id', 'in', [second!, staging.id])
      .execute();
    expect(statuses.every((d) => d.status === 'queued' && d.runner_id === null)).toBe(true);
  });

  it('gives a project without a runner of its own to a shared runner, and not to an unshared one', async () => {
    const { runner: unshared } = await insertRunner(server);
    const { runner: shared } = await insertRunner(server, { shared: true });
    const { project } = await insertProject(server, { runner_id: null });
    const [id] = await queueIn(project.id, 1);
    expect(await claimJob(server.ctx, unshared, null)).toBeNull();
    expect((await claimJob(server.ctx, shared, null))?.id).toBe(id);
  });
});
