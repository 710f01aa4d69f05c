import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../db/schema.js';
import type { DeploymentChange } from '../deployments/changes.js';
import { RUNNER_KEY_CHANGED_TASK } from '../runner-protocol/hello.js';
import {
  insertBranchConfig,
  insertBuild,
  insertQueuedDeployment,
  insertRunner,
} from '../test-support/fixtures.js';
import {
  adminSession,
  startTestServer,
  type SessionHeaders,
  type TestServer,
} from '../test-support/server.js';
import { allForges, forgeFor, replaceForge, type Forge } from './forge.js';
import { forgeTasks, reportToForge } from './tasks.js';

/** A second forge that only writes down what it was asked. */
function fakeForge() {
  const calls: { method: string; project?: number; runner?: number; all?: boolean; status?: string }[] = [];
  const forge: Forge = {
    name: 'Fake forge',
    registerDeployKeys: async (_ctx, _trx, project) =>
      void calls.push({ method: 'registerDeployKeys', project: project.id }),
    updateWebhook: async (_ctx, _trx, project) =>
      void calls.push({ method: 'updateWebhook', project: project.id }),
    removeWebhook: async (_ctx, _trx, project) =>
      void calls.push({ method: 'removeWebhook', project: project.id }),
    runnerChanged: async (_ctx, runnerId, all) =>
      void calls.push({ method: 'runnerChanged', runner: runnerId, all }),
    reportDeployment: async (_ctx, project: Project, change: DeploymentChange) =>
      void calls.push({ method: 'reportDeployment', project: project.id, status: change.status }),
    tasks: () => ({ fake_forge_sync: async () => undefined }),
    routes: async () => undefined,
  };
  return { forge, calls };
}

let server: TestServer;
let admin: SessionHeaders;
let restore: (() => void) | null = null;
beforeAll(async () => {
  server = await startTestServer();
  admin = await adminSession(server);
});
afterEach(() => {
  restore?.();
  restore = null;
});
afterAll(async () => server.close());

function api(method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>) {
  return server.app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });
}

describe('the forge registry', () => {
  it('finds the forge by project source; a project made by hand has none', () => {
    expect(forgeFor('manual')).toBeNull();
    expect(forgeFor('gitlab')?.name).toBe('GitLab');
    expect(forgeFor({ source: 'gitlab' })).toBe(forgeFor('gitlab'));
    expect(forgeFor('github')?.name).toBe('GitHub');
    expect(allForges().map((f) => f.name)).toEqual(['GitLab', 'GitHub']);
  });
});

describe('a second forge behind the seam', () => {
  it('is asked, by project source, for deploy keys, the webhook, reports and runner changes', async () => {
    const { forge, calls } = fakeForge();
    restore = replaceForge('manual', forge);
    const { runner } = await insertRunner(server, { name: 'fake-forge-runner' });
    const created = await api('POST', '/api/v1/projects', {
      name: 'on-the-fake-forge',
      clone_url: 'git@forge.example.test:team/app.git',
    });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: number }>().id;

    expect((await api('PATCH', `/api/v1/projects/${id}`, { runner_id: runner.id })).statusCode).toBe(200);
    expect((await api('POST', `/api/v1/projects/${id}/webhook-secret`)).statusCode).toBe(200);
    const project = await server.ctx.db
      .selectFrom('projects')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const config = await insertBranchConfig(server, { project_id: id });
    const build = await insertBuild(server, { project_id: id, branch_config_id: config.id });
    const deployment = await insertQueuedDeployment(server, build, config);
    await reportToForge(server.ctx, { deployment_id: deployment.id, status: 'running' });
    const tasks = forgeTasks(server.ctx);
    expect(Object.keys(tasks)).toContain('fake_forge_sync');
    await tasks[RUNNER_KEY_CHANGED_TASK]!({ runner_id: runner.id, all_projects: true }, {} as never);
    expect((await api('DELETE', `/api/v1/projects/${id}`)).statusCode).toBe(204);

    expect(calls).toEqual([
      { method: 'registerDeployKeys', project: id },
      { method: 'updateWebhook', project: id },
      { method: 'reportDeployment', project: id, status: 'running' },
      { method: 'runnerChanged', runner: runner.id, all: true },
      { method: 'removeWebhook', project: project.id },
    ]);
  });

  it('leaves a project of another source alone', async () => {
    const { forge, calls } = fakeForge();
    restore = replaceForge('gitlab', forge);
    const created = await api('POST', '/api/v1/projects', {
      name: 'made-by-hand',
      clone_url: 'git@forge.example.test:team/hand.git',
    });
    const id = created.json<{ id: number }>().id;
    expect((await api('POST', `/api/v1/projects/${id}/webhook-secret`)).statusCode).toBe(200);
    expect((await api('DELETE', `/api/v1/projects/${id}`)).statusCode).toBe(204);
    expect(calls).toEqual([]);
  });
});
