import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo, tempDir } from '../packages/runner/src/test-support/repo.js';
import {
  delay,
  startWithRunner,
  type Api,
  type ManagedProcess,
  type PolyteneServer,
} from './runner-harness.js';

/**
 * Freeze windows with the real server, its job queue and the real runner (architecture.md §4, "Freeze
 * windows"): a deployment queued in a freeze waits and says so; an admin's override lets it run; one
 * queued in a freeze that ends soon starts on its own when it ends.
 */
let server: PolyteneServer;
let api: Api;
let runner: ManagedProcess;
let runnerId: number;
const repo = new TestRepo('polytene-e2e-freeze-repo-');
const dir = tempDir('polytene-e2e-freeze-runner-');

interface Waiting {
  status: string;
  waiting_for: { reason: string; until?: string | null } | null;
  freeze_override: { by: { login: string } | null; reason: string } | null;
}

beforeAll(async () => {
  ({ server, api, runner, runnerId } = await startWithRunner('e2e-freeze-runner', dir));
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await server?.close();
  repo.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function frozenProject(endsInMs: number): Promise<{ projectId: number; sha: string; until: string }> {
  const sha = repo.commit({ 'app.txt': `version ${Math.random()}\n` });
  const project = await api.createProject(repo.url, runnerId, { deployment_script: 'echo deployed' });
  const env = await api.environment(project.id, 'production');
  const until = new Date(Date.now() + endsInMs).toISOString();
  await api.call('POST', `/api/v1/environments/${env.id}/freeze-windows`, {
    kind: 'once',
    starts_at: new Date(Date.now() - 3600_000).toISOString(),
    ends_at: until,
    reason: 'e2e freeze',
  });
  return { projectId: project.id, sha, until };
}

describe('a deployment in a freeze', () => {
  it('waits, saying until when, and runs once an admin overrides the freeze', async () => {
    const { projectId, sha, until } = await frozenProject(3600_000);
    const id = await api.deploy(projectId, sha);
    await delay(3000);
    const waiting = (await api.deployment(id)) as unknown as Waiting;
    expect(waiting.status).toBe('queued');
    expect(waiting.waiting_for).toMatchObject({ reason: 'freeze', until });

    const overridden = await api.call<Waiting>('POST', `/api/v1/deployments/${id}/freeze-override`, {
      reason: 'e2e hotfix',
    });
    expect(overridden.freeze_override).toMatchObject({ by: { login: 'admin' }, reason: 'e2e hotfix' });
    const done = await api.waitForStatus(id, ['succeeded', 'failed'], 30_000);
    expect(done.status).toBe('succeeded');
  });

  it('starts on its own when the freeze ends', async () => {
    const { projectId, sha, until } = await frozenProject(4000);
    const id = await api.deploy(projectId, sha);
    expect(((await api.deployment(id)) as unknown as Waiting).waiting_for?.reason).toBe('freeze');
    const done = await api.waitForStatus(id, ['succeeded', 'failed'], 40_000);
    expect(done.status).toBe('succeeded');
    const started = (done as unknown as { started_at: string }).started_at;
    expect(Date.parse(started)).toBeGreaterThanOrEqual(Date.parse(until));
  });
});
