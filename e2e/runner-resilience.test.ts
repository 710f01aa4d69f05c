import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo, tempDir } from '../packages/runner/src/test-support/repo.js';
import {
  Api,
  delay,
  startPolytene,
  startRunnerProcess,
  type ManagedProcess,
  type PolyteneServer,
} from './runner-harness.js';

/** What happens when a process goes away: the runner (kill -9, SIGTERM) or the server (restart mid-log). */
let server: PolyteneServer;
let api: Api;
const repo = new TestRepo('polytene-e2e-res-');
const dir = tempDir('polytene-e2e-res-work-');
const runners: ManagedProcess[] = [];
let sha: string;

beforeAll(async () => {
  sha = repo.commit({ 'app.txt': 'resilience\n' });
  server = await startPolytene({ POLYTENE_LEASE_SECONDS: '8', POLYTENE_LEASE_CHECK_SECONDS: '1' });
  api = await Api.asAdmin(server.url);
}, 120_000);

afterAll(async () => {
  for (const runner of runners) await runner.stop('SIGKILL');
  await server?.close();
  repo.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function runnerFor(script: string, extraArgs: string[] = []) {
  const name = `res-${Math.random().toString(36).slice(2, 8)}`;
  const created = await api.createRunner(name);
  const project = await api.createProject(repo.url, created.id, { deployment_script: script });
  const runner = await startRunnerProcess([
    '--url',
    server.url,
    '--token',
    created.token,
    '--work-dir',
    path.join(dir, name),
    '--kill-grace-seconds',
    '1',
    ...extraArgs,
  ]);
  runners.push(runner);
  return { runner, project };
}

describe('runner and server failures', () => {
  it('a runner killed with kill -9 loses its deployment: failed / runner_lost after the lease', async () => {
    const { runner, project } = await runnerFor('echo "pid $$"\nsleep 120');
    const id = await api.deploy(project.id, sha);
    const lines = await api.waitForLog(id, 'pid ');
    const scriptPid = Number(lines.find((l) => l.text.startsWith('pid '))?.text.slice(4));
    try {
      await runner.stop('SIGKILL');
      const done = await api.waitForStatus(id, ['failed', 'succeeded', 'canceled'], 30_000);
      expect(done).toMatchObject({ status: 'failed', failure_reason: 'runner_lost' });
    } finally {
      try {
        process.kill(-scriptPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('a runner that lost its deployment (lease ran out while it was frozen) kills the script', async () => {
    const { runner, project } = await runnerFor('echo "pid $$"\nsleep 120');
    const id = await api.deploy(project.id, sha);
    const lines = await api.waitForLog(id, 'pid ');
    const scriptPid = Number(lines.find((l) => l.text.startsWith('pid '))?.text.slice(4));
    expect({ alive: groupAlive(scriptPid), state: await api.deployment(id), log: lines }).toMatchObject({
      alive: true,
    });
    try {
      // Frozen past the lease (8 s): the server gives the deployment up, the script keeps running.
      runner.child.kill('SIGSTOP');
      const lost = await api.waitForStatus(id, ['failed', 'succeeded', 'canceled'], 30_000);
      expect(lost).toMatchObject({ status: 'failed', failure_reason: 'runner_lost' });
      expect(groupAlive(scriptPid)).toBe(true);
      runner.child.kill('SIGCONT');
      const deadline = Date.now() + 20_000;
      while (groupAlive(scriptPid) && Date.now() < deadline) await delay(100);
      expect(groupAlive(scriptPid)).toBe(false);
      await runner.waitFor(`deployment ${id}: stopping (lost)`, 5_000);
      expect(runner.running).toBe(true);
      expect((await api.deployment(id)).status).toBe('failed');
    } finally {
      runner.child.kill('SIGCONT');
      try {
        process.kill(-scriptPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('SIGTERM lets a running deployment finish, then the runner exits 0', async () => {
    const { runner, project } = await runnerFor('sleep 2\necho finished', ['--shutdown-grace-seconds', '30']);
    const id = await api.deploy(project.id, sha);
    await api.waitForLog(id, '+ sleep 2');
    runner.child.kill('SIGTERM');
    expect((await runner.exited).code).toBe(0);
    const done = await api.deployment(id);
    expect(done.status).toBe('succeeded');
    expect((await api.log(id)).map((l) => l.text)).toContain('finished');
  });

  it('SIGTERM past the grace period stops the script and reports it failed, never left running', async () => {
    const { runner, project } = await runnerFor('echo started\nsleep 120', ['--shutdown-grace-seconds', '1']);
    const id = await api.deploy(project.id, sha);
    await api.waitForLog(id, 'started');
    const asked = Date.now();
    runner.child.kill('SIGTERM');
    expect((await runner.exited).code).toBe(0);
    expect(Date.now() - asked).toBeLessThan(8_000);
    const done = await api.deployment(id);
    expect(done).toMatchObject({ status: 'failed', failure_reason: 'runner_error' });
    expect((await api.log(id)).some((l) => l.text.includes('runner was stopped'))).toBe(true);
  });
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
