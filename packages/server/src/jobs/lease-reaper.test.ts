import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../test-support/fixtures.js';
import { reapExpiredLeases } from './lease-reaper.js';

const server = useTestServer();
beforeAll(async () => {
  // A server up for an hour: its first lease of grace after the start is long over.
  server.ctx.startedAt = new Date(Date.now() - 3_600_000);
});

async function running(leaseInMs: number, cancelRequested = false) {
  const { runner } = await insertRunner(server);
  const { project } = await insertProject(server, { runner_id: runner.id });
  const config = await insertBranchConfig(server, { project_id: project.id });
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  const deployment = await insertQueuedDeployment(server, build, config);
  await server.ctx.db
    .updateTable('deployments')
    .set({
      status: 'running',
      started_at: new Date(),
      runner_id: runner.id,
      lease_expires_at: new Date(Date.now() + leaseInMs),
      cancel_requested_at: cancelRequested ? new Date() : null,
    })
    .where('id', '=', deployment.id)
    .execute();
  return deployment.id;
}

const row = (id: number) =>
  server.ctx.db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('the lease reaper', () => {
  it('fails running deployments whose lease expired as runner_lost, and leaves live ones alone', async () => {
    const lost = await running(-1_000);
    const alive = await running(60_000);
    expect(await reapExpiredLeases(server.ctx)).toEqual([lost]);
    expect(await row(lost)).toMatchObject({
      status: 'failed',
      failure_reason: 'runner_lost',
      lease_expires_at: null,
    });
    expect((await row(lost)).finished_at).toBeInstanceOf(Date);
    expect((await row(alive)).status).toBe('running');
    const audit = await server.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'actor_login'])
      .where('entity_id', '=', String(lost))
      .executeTakeFirstOrThrow();
    expect(audit).toEqual({ action: 'deployment_failed', actor_login: 'system' });
  });

  it('cancels a deployment whose runner went silent after a cancel request', async () => {
    const id = await running(-1_000, true);
    expect(await reapExpiredLeases(server.ctx)).toEqual([id]);
    expect(await row(id)).toMatchObject({ status: 'canceled', failure_reason: null });
  });

  it('does nothing the second time', async () => {
    await running(-1_000);
    expect((await reapExpiredLeases(server.ctx)).length).toBe(1);
    expect(await reapExpiredLeases(server.ctx)).toEqual([]);
  });
});

describe('the lease reaper after a server restart', () => {
  it('gives a lease that ran out while the server was down one lease from the start, then reaps it', async () => {
    const id = await running(0);
    const startedAt = (server.ctx.startedAt = new Date());
    await server.ctx.db
      .updateTable('deployments')
      .set({ lease_expires_at: new Date(startedAt.getTime() - 5_000) })
      .where('id', '=', id)
      .execute();
    const lease = server.ctx.config.leaseSeconds * 1000;
    expect(await reapExpiredLeases(server.ctx, new Date(startedAt.getTime() + lease - 1_000))).not.toContain(
      id,
    );
    expect((await row(id)).status).toBe('running');
    expect(await reapExpiredLeases(server.ctx, new Date(startedAt.getTime() + lease + 1_000))).toContain(id);
    expect(await row(id)).toMatchObject({ status: 'failed', failure_reason: 'runner_lost' });
  });

  it('still reaps at once a lease that ran out after the start', async () => {
    server.ctx.startedAt = new Date(Date.now() - 5_000);
    const id = await running(-1_000);
    expect(await reapExpiredLeases(server.ctx, new Date())).toEqual([id]);
  });
});
