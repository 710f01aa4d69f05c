import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../packages/runner/src/test-support/repo.js';
import { Api, delay, startPolytene, type PolyteneServer } from './runner-harness.js';

/**
 * Rollback and hold with a real server and its built-in runner (architecture.md §4, "Rollbacks and
 * holds"): builds 1 and 2 deploy automatically, rolling back to 1 holds the environment, build 3
 * then waits until someone resumes, and then deploys.
 */
const repo = new TestRepo('polytene-e2e-hold-repo-');
let server: PolyteneServer;
let api: Api;
let projectId: number;
let environmentId: number;

interface Listed {
  id: number;
  build: { id: number };
  status: string;
  rollback: boolean;
  waiting_for: { reason: string; held_by?: { login: string } } | null;
}

/** Reports a successful CI build of a new commit on main (an auto branch): the deployment it queued. */
async function build(content: string): Promise<Listed> {
  const sha = repo.commit({ 'app.txt': `${content}\n` });
  const intake = await api.call<{ build: { id: number } }>('POST', `/api/v1/projects/${projectId}/builds`, {
    ref: 'main',
    sha,
    status: 'success',
    external_id: `hold-${content}`,
  });
  const { deployments } = await api.call<{ deployments: Listed[] }>(
    'GET',
    `/api/v1/deployments?project_id=${projectId}&per_page=1`,
  );
  expect(deployments[0]?.build.id).toBe(intake.build.id);
  return deployments[0]!;
}

beforeAll(async () => {
  server = await startPolytene({ POLYTENE_LOCAL_RUNNER: 'true' });
  api = await Api.asAdmin(server.url);
  const { runners } = await api.call<{ runners: { id: number; name: string }[] }>('GET', '/api/v1/runners');
  const project = await api.call<{ id: number }>('POST', '/api/v1/projects', {
    name: 'hold-e2e',
    clone_url: repo.url,
    runner_id: runners.find((r) => r.name === 'local')!.id,
  });
  projectId = project.id;
  await api.call('POST', `/api/v1/projects/${projectId}/branches`, {
    branch_name: 'main',
    deployment_type: 'auto',
    deployment_script: 'cat app.txt',
    environment: 'production',
  });
  environmentId = (await api.environment(projectId, 'production')).id;
}, 120_000);

afterAll(async () => {
  await server?.close();
  repo.remove();
});

describe('rollback and hold with the real runner', () => {
  it('rolls back to build 1, holds, keeps build 3 waiting until resumed, then deploys it', async () => {
    await api.waitForStatus((await build('one')).id, ['succeeded']);
    await api.waitForStatus((await build('two')).id, ['succeeded']);

    const rollback = await api.call<Listed>('POST', `/api/v1/environments/${environmentId}/rollback`, {});
    expect(rollback.rollback).toBe(true);
    await api.waitForStatus(rollback.id, ['succeeded']);
    const held = await api.call<{ hold: { reason: string; deployment_id: number } | null }>(
      'GET',
      `/api/v1/environments/${environmentId}`,
    );
    expect(held.hold).toMatchObject({ deployment_id: rollback.id });

    const third = await build('three');
    await delay(3_000); // the runner polls meanwhile; a held environment gives it nothing
    const waiting = await api.call<Listed>('GET', `/api/v1/deployments/${third.id}`);
    expect(waiting.status).toBe('queued');
    expect(waiting.waiting_for?.reason).toBe('hold');

    await api.call('POST', `/api/v1/environments/${environmentId}/resume`, {});
    await api.waitForStatus(third.id, ['succeeded']);
    const after = await api.call<{ hold: unknown; live: { build: { id: number } } }>(
      'GET',
      `/api/v1/environments/${environmentId}`,
    );
    expect(after.hold).toBeNull();
    expect(after.live.build.id).toBe(third.build.id);
  });
});
