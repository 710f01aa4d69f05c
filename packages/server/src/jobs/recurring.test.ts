import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
} from '../test-support/fixtures.js';
import { JobQueue } from './queue.js';
import { REAP_LEASES_JOB_KEY, REAP_LEASES_TASK } from './lease-reaper.js';

const server = useTestServer({ leaseCheckSeconds: 0.2 }, { worker: true });

const waitingReapJobs = async () =>
  (
    await sql<{ id: number }>`SELECT id FROM graphile_worker.jobs
      WHERE task_identifier = ${REAP_LEASES_TASK} AND key = ${REAP_LEASES_JOB_KEY}`.execute(server.ctx.db)
  ).rows.length;

describe('recurring background tasks', () => {
  it('reap expired leases by themselves once the worker runs', async () => {
    const { project } = await insertProject(server);
    const config = await insertBranchConfig(server, { project_id: project.id });
    const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
    const deployment = await insertQueuedDeployment(server, build, config);
    await server.ctx.db
      .updateTable('deployments')
      .set({ status: 'running', started_at: new Date(), lease_expires_at: new Date(Date.now() - 1) })
      .where('id', '=', deployment.id)
      .execute();
    const deadline = Date.now() + 15_000;
    let status = 'running';
    while (status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (
        await server.ctx.db
          .selectFrom('deployments')
          .select('status')
          .where('id', '=', deployment.id)
          .executeTakeFirstOrThrow()
      ).status;
    }
    expect(status).toBe('failed');
  });

  it('keep one waiting job per key when another server process starts', async () => {
    expect(await waitingReapJobs()).toBe(1);
    const other = new JobQueue(server.databaseUrl);
    other.registerRecurring({
      name: REAP_LEASES_TASK,
      jobKey: REAP_LEASES_JOB_KEY,
      everySeconds: 0.2,
      run: async () => undefined,
    });
    await other.start(1);
    await new Promise((r) => setTimeout(r, 500));
    await other.stop();
    expect(await waitingReapJobs()).toBe(1);
  });
});
