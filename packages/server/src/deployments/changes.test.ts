import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { findFreePort } from '../db/embedded.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
} from '../test-support/fixtures.js';
import { DEPLOYMENT_CHANGE_HANDLERS, deploymentChangeTask } from './changes.js';
import { transitionDeployment } from './transitions.js';

let server: TestServer;
beforeAll(async () => {
  // Nothing listens there: every email delivery fails and is retried.
  const closedPort = await findFreePort();
  server = await startTestServer({ smtpUrl: `smtp://127.0.0.1:${closedPort}` }, { worker: true });
});
afterAll(async () => server.close());

interface QueuedJob {
  task_identifier: string;
  attempts: number;
  last_error: string | null;
}

async function jobsOf(deploymentId: number, db: Db = server.ctx.db): Promise<QueuedJob[]> {
  const { rows } = await sql<QueuedJob>`
    SELECT t.identifier AS task_identifier, j.attempts, j.last_error
    FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    WHERE j.payload->>'deployment_id' = ${String(deploymentId)} ORDER BY t.identifier`.execute(db);
  return rows;
}

async function finishedDeployment(): Promise<number> {
  const { project } = await insertProject(server);
  const config = await insertBranchConfig(server, { project_id: project.id });
  await server.ctx.db
    .updateTable('branch_configs')
    .set({ notification_emails: ['ops@example.test'] })
    .where('id', '=', config.id)
    .execute();
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  const queued = await insertQueuedDeployment(server, build, config);
  await server.ctx.db.transaction().execute(async (trx) => {
    await transitionDeployment(server.ctx, trx, queued.id, { to: 'running' });
    await transitionDeployment(server.ctx, trx, queued.id, { to: 'failed', failureReason: 'script_failure' });
  });
  return queued.id;
}

describe('deployment follow-ups', () => {
  it('queue one job per handler and status change, in the transaction of the change', async () => {
    const { project } = await insertProject(server);
    const config = await insertBranchConfig(server, { project_id: project.id });
    const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
    const queued = await insertQueuedDeployment(server, build, config);
    await server.ctx.db
      .transaction()
      .execute(async (trx) => {
        await transitionDeployment(server.ctx, trx, queued.id, { to: 'canceled' });
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    expect(await jobsOf(queued.id)).toEqual([]);
    const tasks = await server.ctx.db.transaction().execute(async (trx) => {
      await transitionDeployment(server.ctx, trx, queued.id, { to: 'canceled' });
      return (await jobsOf(queued.id, trx)).map((job) => job.task_identifier);
    });
    expect(tasks).toEqual(DEPLOYMENT_CHANGE_HANDLERS.map(deploymentChangeTask).sort());
  });

  it('a failing email is retried alone: the GitLab report job is done once and not run again', async () => {
    const id = await finishedDeployment();
    const deadline = Date.now() + 20_000;
    let jobs = await jobsOf(id);
    while (Date.now() < deadline && !(jobs.length === 1 && jobs[0]!.attempts >= 1 && jobs[0]!.last_error)) {
      await new Promise((r) => setTimeout(r, 100));
      jobs = await jobsOf(id);
    }
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.task_identifier).toBe(deploymentChangeTask('email'));
    expect(jobs[0]!.attempts).toBeGreaterThanOrEqual(1);
    expect(jobs[0]!.last_error).toMatch(/ECONNREFUSED|connect/i);
  });
});
