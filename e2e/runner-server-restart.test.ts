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

/**
 * The server killed and started again while a deployment streams its log. Its own server with a lease
 * (60 s) longer than any restart on a loaded machine: what is checked here is the log, not the lease
 * (runner-resilience covers a runner that stays away past its lease).
 */
let server: PolyteneServer;
let api: Api;
const repo = new TestRepo('polytene-e2e-restart-');
const dir = tempDir('polytene-e2e-restart-work-');
let runner: ManagedProcess | undefined;

beforeAll(async () => {
  server = await startPolytene({ POLYTENE_LEASE_SECONDS: '60', POLYTENE_LEASE_CHECK_SECONDS: '1' });
  api = await Api.asAdmin(server.url);
}, 120_000);

afterAll(async () => {
  await runner?.stop('SIGKILL');
  await server?.close();
  repo.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('the server restarting in the middle of a deployment', () => {
  it('a 50,000-line deployment loses and repeats no line: every line once, in order', async () => {
    const sha = repo.commit({ 'app.txt': 'restart\n' });
    const script = [
      'set +x',
      'for i in $(seq 1 50000); do echo "line $i"; if [ $((i % 2500)) -eq 0 ]; then sleep 0.25; fi; done',
    ].join('\n');
    const created = await api.createRunner('restart-runner');
    const project = await api.createProject(repo.url, created.id, { deployment_script: script });
    runner = await startRunnerProcess([
      '--url',
      server.url,
      '--token',
      created.token,
      '--work-dir',
      path.join(dir, 'work'),
    ]);
    const id = await api.deploy(project.id, sha);
    await api.waitForLog(id, 'line 5000');
    await server.process.stop('SIGKILL');
    // Away for a while as output keeps flowing: batches fail and are retried with backoff.
    await delay(3_000);
    await server.restart();
    const done = await api.waitForStatus(id, ['succeeded', 'failed', 'canceled'], 120_000);
    expect(done).toMatchObject({ status: 'succeeded', failure_reason: null });
    const lines = await api.log(id);
    expect(lines.map((l) => l.n)).toEqual(lines.map((_, i) => i + 1));
    const output = lines
      .filter((l) => l.stream === 'stdout' && l.text.startsWith('line '))
      .map((l) => l.text);
    expect(output).toHaveLength(50_000);
    expect(output.every((text, i) => text === `line ${i + 1}`)).toBe(true);
  }, 180_000);
});
