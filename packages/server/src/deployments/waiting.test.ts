import { beforeAll, describe, expect, it } from 'vitest';
import { adminSession, useTestServer, type SessionHeaders } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../test-support/fixtures.js';
import type { BranchConfig, Project, Runner } from '../db/schema.js';

const server = useTestServer();
let admin: SessionHeaders;
let runner: Runner;
let project: Project;
let config: BranchConfig;

beforeAll(async () => {
  admin = await adminSession(server);
  ({ runner } = await insertRunner(server, { name: 'edge-1' }));
  ({ project } = await insertProject(server, { runner_id: runner.id }));
  config = await insertBranchConfig(server, { project_id: project.id, environment: 'production' });
});

async function queued() {
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  return insertQueuedDeployment(server, build, config);
}

async function waitingFor(id: number) {
  const res = await server.app.inject({ method: 'GET', url: `/api/v1/deployments/${id}`, headers: admin });
  expect(res.statusCode).toBe(200);
  return res.json().waiting_for;
}

function setRunner(values: { active?: boolean; last_seen_at?: Date | null }) {
  return server.ctx.db.updateTable('runners').set(values).where('id', '=', runner.id).execute();
}

function setStatus(id: number, status: 'running' | 'succeeded' | 'failed') {
  const now = new Date();
  return server.ctx.db
    .updateTable('deployments')
    .set({
      status,
      started_at: now,
      ...(status === 'running' ? {} : { finished_at: now }),
      ...(status === 'failed' ? { failure_reason: 'script_failure' as const } : {}),
    })
    .where('id', '=', id)
    .execute();
}

describe('why a deployment waits', () => {
  it("says the project's runner is offline, then paused, and nothing once it is online", async () => {
    const first = await queued();
    expect(await waitingFor(first.id)).toMatchObject({
      reason: 'no_runner',
      message: 'no online runner for this project: runner edge-1 is offline',
      runner: { id: runner.id, name: 'edge-1', state: 'offline', since: null },
    });
    await setRunner({ active: false });
    expect(await waitingFor(first.id)).toMatchObject({ reason: 'no_runner', runner: { state: 'paused' } });
    await setRunner({ active: true, last_seen_at: new Date() });
    expect(await waitingFor(first.id)).toBeNull();
  });

  it('says which deployment it is behind: the one waiting ahead, then the one running', async () => {
    const ahead = await server.ctx.db
      .selectFrom('deployments')
      .select('id')
      .where('project_id', '=', project.id)
      .where('status', '=', 'queued')
      .executeTakeFirstOrThrow();
    const second = await queued();
    expect(await waitingFor(second.id)).toEqual({
      reason: 'behind',
      message: `behind deployment #${ahead.id}, which waits ahead of it`,
      deployment_id: ahead.id,
    });
    await setStatus(ahead.id, 'running');
    expect((await waitingFor(second.id)).message).toBe(
      `behind deployment #${ahead.id}, which is running in this environment`,
    );
    expect(await waitingFor(ahead.id)).toBeNull();
  });

  it('shows what is live and the latest attempt on the environment', async () => {
    const rows = await server.ctx.db
      .selectFrom('deployments')
      .select(['id', 'status'])
      .where('project_id', '=', project.id)
      .orderBy('id')
      .execute();
    const [running, next] = rows;
    await setStatus(running!.id, 'succeeded');
    await setStatus(next!.id, 'failed');
    const res = await server.app.inject({
      method: 'GET',
      url: `/api/v1/environments/${config.environment_id}`,
      headers: admin,
    });
    const env = res.json();
    expect(env.live).toMatchObject({ deployment_id: running!.id, status: 'succeeded' });
    expect(env.last).toMatchObject({ deployment_id: next!.id, status: 'failed' });
    expect(env.waiting).toBe(0);
  });
});
