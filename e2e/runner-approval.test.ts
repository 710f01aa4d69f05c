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
 * Approvals with the real server and the real runner (architecture.md §4, "Protection and approvals"):
 * a deployment to an environment that requires an approval waits, untouched by the runner, until
 * someone other than the person who asked approves it, and then runs; a rejection ends it unrun.
 */
let server: PolyteneServer;
let admin: Api;
let reviewer: Api;
let runner: ManagedProcess;
let projectId: number;
const repo = new TestRepo('polytene-e2e-approval-repo-');
const dir = tempDir('polytene-e2e-approval-runner-');

interface Approvable {
  status: string;
  started_at: string | null;
  waiting_for: { reason: string; approvals?: { given: number; required: number } } | null;
  approvals: { user: { login: string }; decision: string; comment: string | null }[];
}

beforeAll(async () => {
  let runnerId: number;
  ({ server, api: admin, runner, runnerId } = await startWithRunner('e2e-approval-runner', dir));
  const project = await admin.createProject(repo.url, runnerId, {
    deployment_script: 'echo approved and deployed',
  });
  projectId = project.id;
  const reviewerAccount = await admin.createUser('e2e-reviewer');
  reviewer = reviewerAccount.api;
  await admin.call('POST', `/api/v1/projects/${projectId}/members`, {
    login: 'e2e-reviewer',
    role: 'deployer',
  });
  const production = await admin.environment(projectId, 'production');
  await admin.call('PATCH', `/api/v1/environments/${production.id}`, {
    protected: true,
    required_approvals: 1,
    deployers: [reviewerAccount.id],
  });
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await server?.close();
  repo.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('a deployment to an environment that requires an approval', () => {
  it('waits for another person, who approves it, and then the runner deploys it', async () => {
    const sha = repo.commit({ 'app.txt': 'version 1\n' });
    const id = await admin.deploy(projectId, sha);
    await delay(3000);
    const waiting = await admin.call<Approvable>('GET', `/api/v1/deployments/${id}`);
    expect(waiting.status).toBe('awaiting_approval');
    expect(waiting.started_at).toBeNull();
    expect(waiting.waiting_for).toMatchObject({ reason: 'approval', approvals: { given: 0, required: 1 } });

    // the person who asked cannot approve it
    await admin.call('POST', `/api/v1/deployments/${id}/approvals`, { decision: 'approve' }, [403]);
    const approved = await reviewer.call<Approvable>('POST', `/api/v1/deployments/${id}/approvals`, {
      decision: 'approve',
      comment: 'looks right',
    });
    expect(approved.approvals).toMatchObject([
      { user: { login: 'e2e-reviewer' }, decision: 'approve', comment: 'looks right' },
    ]);
    const done = await admin.waitForStatus(id, ['succeeded', 'failed', 'canceled'], 30_000);
    expect(done.status).toBe('succeeded');
    await admin.waitForLog(id, 'approved and deployed');
  });

  it('ends canceled and never runs when it is rejected', async () => {
    const sha = repo.commit({ 'app.txt': 'version 2\n' });
    const id = await admin.deploy(projectId, sha);
    const rejected = await reviewer.call<Approvable>('POST', `/api/v1/deployments/${id}/approvals`, {
      decision: 'reject',
      comment: 'not today',
    });
    expect(rejected.status).toBe('canceled');
    await delay(3000);
    const after = await admin.call<Approvable>('GET', `/api/v1/deployments/${id}`);
    expect(after.status).toBe('canceled');
    expect(after.started_at).toBeNull();
  });
});
