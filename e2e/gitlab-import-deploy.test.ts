import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo, tempDir } from '../packages/runner/src/test-support/repo.js';
import { GitlabStandin, sshFingerprint } from '../packages/server/src/test-support/gitlab-standin.js';
import { ensureServerBuilt } from './support/build.js';
import {
  Api,
  startPolytene,
  startRunnerProcess,
  type ManagedProcess,
  type PolyteneServer,
} from './runner-harness.js';

/**
 * The GitLab story end to end: the built server as a process, the stand-in GitLab, the real runner CLI
 * and real git. Import → webhook registered; link the runner → its key is a deploy key; a pipeline
 * success event → the deployment runs on the runner → GitLab is told (deployment and commit status);
 * a regenerated webhook secret → GitLab's hook gets the new token.
 */
let server: PolyteneServer;
let api: Api;
let gitlab: GitlabStandin;
let runner: ManagedProcess | null = null;
const repo = new TestRepo('polytene-e2e-gitlab-repo-');
const dir = tempDir('polytene-e2e-gitlab-');
const key = path.join(dir, 'runner_ed25519');

beforeAll(async () => {
  ensureServerBuilt();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  gitlab = await new GitlabStandin().start();
  gitlab.addUser('glpat-e2e', { username: 'lead' });
  server = await startPolytene();
  api = await Api.asAdmin(server.url);
}, 180_000);

afterAll(async () => {
  await runner?.stop();
  await server?.close();
  await gitlab?.close();
  repo.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function eventually<T>(
  check: () => Promise<T | false | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('GitLab import to deployment', () => {
  it('imports, registers webhook and deploy key, deploys a pipeline on a real runner and reports back in order', async () => {
    const sha = repo.commit({ 'app.txt': 'version 1\n' });
    const source = gitlab.addProject({ name: 'webshop', default_branch: 'main', ssh_url: repo.url });

    const instance = await api.call<{ id: number }>('POST', '/api/v1/gitlab/instances', {
      name: 'Team GitLab',
      url: gitlab.url,
    });
    await api.call('PUT', '/api/v1/user/gitlab', { instance_id: instance.id, token: 'glpat-e2e' });
    const verified = await api.call<{ ok: boolean; user: { username: string } }>(
      'POST',
      '/api/v1/user/gitlab/verify',
    );
    expect(verified).toMatchObject({ ok: true, user: { username: 'lead' } });

    const imported = await api.call<{ projects: { project_id: number; hook_id: number }[] }>(
      'POST',
      '/api/v1/gitlab/import',
      { project_ids: [source.id] },
    );
    const projectId = imported.projects[0]!.project_id;
    const hook = gitlab.hooks.find((h) => h.project_id === source.id)!;
    expect(hook).toMatchObject({
      id: imported.projects[0]!.hook_id,
      pipeline_events: true,
      job_events: true,
      push_events: false,
    });
    expect(hook.url).toBe(`${server.url}/api/v1/projects/${projectId}/hooks/gitlab`);

    const created = await api.createRunner('gitlab-e2e-runner');
    runner = await startRunnerProcess([
      '--url',
      server.url,
      '--token',
      created.token,
      '--work-dir',
      path.join(dir, 'work'),
      '--ssh-key',
      key,
    ]);
    await api.call('PATCH', `/api/v1/projects/${projectId}`, { runner_id: created.id });
    const status = await eventually(async () => {
      const s = await api.call<{ deploy_key_state: string | null }>(
        'GET',
        `/api/v1/projects/${projectId}/gitlab`,
      );
      return s.deploy_key_state === 'registered' && s;
    }, 'the deploy key');
    expect(status).toMatchObject({ deploy_key_state: 'registered' });
    const keys = gitlab.keysOf(source.id);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({
      can_push: false,
      fingerprint_sha256: sshFingerprint(readFileSync(`${key}.pub`, 'utf8')),
    });

    const { branches } = await api.call<{ branches: { id: number; branch_name: string }[] }>(
      'GET',
      `/api/v1/projects/${projectId}/branches`,
    );
    const main = branches.find((b) => b.branch_name === 'main')!;
    await api.call('PATCH', `/api/v1/projects/${projectId}/branches/${main.id}`, {
      deployment_type: 'auto',
      environment: 'staging',
      deployment_script: 'echo "deploying $POLYTENE_SHA"\ncat app.txt',
    });

    const payload = JSON.parse(
      readFileSync('packages/server/src/intake/gitlab/fixtures/pipeline-success.json', 'utf8'),
    ) as { object_attributes: Record<string, unknown> };
    Object.assign(payload.object_attributes, { id: 7001, ref: 'main', sha, before_sha: sha });
    const delivered = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': 'Pipeline Hook',
        'x-gitlab-token': hook.token!,
        'idempotency-key': 'e2e-delivery-1',
      },
      body: JSON.stringify(payload),
    });
    expect(delivered.status).toBe(200);
    const answer = (await delivered.json()) as { deployment_id: number };
    expect(answer.deployment_id).toEqual(expect.any(Number));

    const done = await api.waitForStatus(answer.deployment_id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const lines = await api.log(answer.deployment_id);
    expect(lines.some((l) => l.text.includes('version 1'))).toBe(true);

    await eventually(
      async () => gitlab.statuses.some((s) => s.project_id === source.id && s.status === 'success'),
      'the report to GitLab',
    );
    const deployment = gitlab.deployments.find((d) => d.project_id === source.id)!;
    expect(deployment).toMatchObject({ environment: 'staging', sha, ref: 'main', status: 'success' });
    const reports = gitlab.writes().filter((w) => /\/(deployments|statuses)/.test(w));
    expect(reports).toEqual([
      `POST /api/v4/projects/${source.id}/deployments`,
      `POST /api/v4/projects/${source.id}/statuses/${sha}`,
      `PUT /api/v4/projects/${source.id}/deployments/${deployment.id}`,
      `POST /api/v4/projects/${source.id}/statuses/${sha}`,
    ]);
    const commitStatus = gitlab.statuses.find((s) => s.status === 'success')!;
    expect(commitStatus).toMatchObject({
      name: 'polytene/staging',
      target_url: `${server.url}/deployments/${answer.deployment_id}`,
    });

    // A regenerated secret reaches GitLab's hook: its deliveries keep working, the old token is refused.
    const oldToken = hook.token!;
    const { webhook_secret: secret } = await api.call<{ webhook_secret: string }>(
      'POST',
      `/api/v1/projects/${projectId}/webhook-secret`,
    );
    await eventually(async () => hook.token === secret, 'the new token in GitLab');
    const deliver = (token: string, key: string) =>
      fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-gitlab-event': 'Pipeline Hook',
          'x-gitlab-token': token,
          'idempotency-key': key,
        },
        body: JSON.stringify({
          ...payload,
          object_attributes: { ...payload.object_attributes, id: 7002, status: 'running' },
        }),
      });
    expect((await deliver(oldToken, 'e2e-delivery-old-token')).status).toBe(401);
    expect((await deliver(hook.token!, 'e2e-delivery-new-token')).status).toBe(200);
    const state = await api.call<{ hook_state: string; hook_id: number }>(
      'GET',
      `/api/v1/projects/${projectId}/gitlab`,
    );
    expect(state).toMatchObject({ hook_state: 'registered', hook_id: hook.id });
  });
});
