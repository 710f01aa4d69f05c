import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { TestRepo, tempDir } from '../packages/runner/src/test-support/repo.js';
import { readZip } from '../packages/runner/src/test-support/zip.js';
import {
  Api,
  startPolytene,
  startRunnerProcess,
  startSshd,
  type ManagedProcess,
  type PolyteneServer,
} from './runner-harness.js';

/**
 * The real server, the real runner CLI and real git: a repository over file:// and one over SSH served by
 * OpenSSH on 127.0.0.1, the artifacts, the environment, echoed commands, failure, abort and timeout.
 */
let server: PolyteneServer;
let api: Api;
let runner: ManagedProcess;
let runnerId: number;
const repo = new TestRepo('polytene-e2e-repo-');
const dir = tempDir('polytene-e2e-runner-');
const key = path.join(dir, 'runner_ed25519');

beforeAll(async () => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  server = await startPolytene();
  api = await Api.asAdmin(server.url);
  const created = await api.createRunner('e2e-runner');
  runnerId = created.id;
  runner = await startRunnerProcess([
    '--url',
    server.url,
    '--token',
    created.token,
    '--work-dir',
    path.join(dir, 'work'),
    '--ssh-key',
    key,
    '--concurrency',
    '2',
    '--kill-grace-seconds',
    '2',
  ]);
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await server?.close();
  repo.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('a deployment from a file:// repository', () => {
  it('checks out the commit, writes the artifacts, runs the script with its environment and ships every line', async () => {
    const sha = repo.commit({ 'app.txt': 'version 1\n' });
    const project = await api.createProject(repo.url, runnerId, {
      deployment_script: [
        'echo "sha=$POLYTENE_SHA branch=$POLYTENE_BRANCH env=$POLYTENE_ENVIRONMENT"',
        'echo "ids=$POLYTENE_PROJECT_ID/$POLYTENE_BUILD_ID/$POLYTENE_DEPLOYMENT_ID"',
        'echo "artifacts=$POLYTENE_ARTIFACTS_DIR"',
        'cat app.txt',
        'echo "key=$API_KEY region=$REGION"',
        "sh -c 'echo out-1; sleep 0.2; echo err-1 >&2; sleep 0.2; echo out-2'",
      ].join('\n'),
      variables: [
        { key: 'API_KEY', value: "k3y-it's-very-secret", secret: true },
        { key: 'REGION', value: 'eu-west' },
      ],
    });
    const id = await api.deploy(project.id, sha);
    const done = await api.waitForStatus(id, ['succeeded', 'failed']);
    const lines = await api.log(id);
    expect(done, JSON.stringify(lines)).toMatchObject({ status: 'succeeded', exit_code: 0 });
    expect(lines.map((l) => l.n)).toEqual(lines.map((_, i) => i + 1));

    const script = lines.filter((l) => l.stream !== 'system').map((l) => `${l.stream}: ${l.text}`);
    const build = (await api.deployment(id)) as unknown as { build: { id: number } };
    expect(script).toEqual([
      "stdout: + echo 'sha=" + sha + " branch=main env=production'",
      `stdout: sha=${sha} branch=main env=production`,
      `stdout: + echo ids=${project.id}/${build.build.id}/${id}`,
      `stdout: ids=${project.id}/${build.build.id}/${id}`,
      expect.stringMatching(/^stdout: \+ echo artifacts=\/.*\/polytene$/),
      expect.stringMatching(/^stdout: artifacts=\/.*\/polytene$/),
      'stdout: + cat app.txt',
      'stdout: version 1',
      "stdout: + echo 'key=[MASKED] region=eu-west'",
      'stdout: key=[MASKED] region=eu-west',
      "stdout: + sh -c 'echo out-1; sleep 0.2; echo err-1 >&2; sleep 0.2; echo out-2'",
      'stdout: out-1',
      'stderr: err-1',
      'stdout: out-2',
    ]);
    expect(JSON.stringify(lines)).not.toContain('very-secret');

    const artifacts = (script[5] ?? '').replace('stdout: artifacts=', '');
    const meta = YAML.parse(readFileSync(path.join(artifacts, 'polytene-runner.yml'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(meta).toMatchObject({
      branch: 'main',
      sha,
      repo_url: repo.url,
      environment: 'production',
      project_id: project.id,
      build_id: build.build.id,
      deployment_id: id,
    });
    expect(
      readZip(path.join(artifacts, `${sha}.zip`))
        .get('app.txt')
        ?.toString(),
    ).toBe('version 1\n');
  });

  it('stops at a failing command in the middle: failed / script_failure with its exit code', async () => {
    const sha = repo.commit({ 'fail.txt': '1\n' });
    const project = await api.createProject(repo.url, runnerId, {
      deployment_script: 'echo first\nsh -c "exit 3"\necho never',
    });
    const id = await api.deploy(project.id, sha);
    const done = await api.waitForStatus(id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ status: 'failed', failure_reason: 'script_failure', exit_code: 3 });
    const texts = (await api.log(id)).map((l) => l.text);
    expect(texts).toContain('first');
    expect(texts).toContain("+ sh -c 'exit 3'");
    expect(texts).not.toContain('never');
  });

  it('aborts a running script when a person cancels it: canceled, process group gone', async () => {
    const sha = repo.commit({ 'abort.txt': '1\n' });
    const marker = path.join(dir, 'abort-survived');
    const project = await api.createProject(repo.url, runnerId, {
      deployment_script: `echo started\n(sleep 4; touch ${marker}) &\nsleep 60\necho never`,
    });
    const id = await api.deploy(project.id, sha);
    await api.waitForLog(id, 'started');
    const asked = Date.now();
    await api.call('POST', `/api/v1/deployments/${id}/cancel`, {});
    const done = await api.waitForStatus(id, ['canceled', 'failed', 'succeeded'], 20_000);
    expect(done.status).toBe('canceled');
    expect(Date.now() - asked).toBeLessThan(10_000);
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(existsSync(marker), runner.output + JSON.stringify(await api.log(id))).toBe(false);
  });

  it('stops a script that runs past the branch timeout: failed / timeout', async () => {
    const sha = repo.commit({ 'timeout.txt': '1\n' });
    const project = await api.createProject(repo.url, runnerId, {
      deployment_script: 'echo waiting\nsleep 60',
      timeout_seconds: 2,
    });
    const id = await api.deploy(project.id, sha);
    const done = await api.waitForStatus(id, ['failed', 'succeeded', 'canceled'], 30_000);
    expect(done).toMatchObject({ status: 'failed', failure_reason: 'timeout' });
    expect(
      (await api.log(id)).some((l) => l.stream === 'system' && l.text.includes('timed out after 2 s')),
    ).toBe(true);
  });

  it('runs two deployments at once with --concurrency 2', async () => {
    const sha = repo.commit({ 'parallel.txt': '1\n' });
    const script = 'set +x\necho "start $(date +%s%N)"\nsleep 2\necho "end $(date +%s%N)"';
    const first = await api.createProject(repo.url, runnerId, { deployment_script: script });
    const second = await api.createProject(repo.url, runnerId, { deployment_script: script });
    const ids = [await api.deploy(first.id, sha), await api.deploy(second.id, sha)];
    const windows: { start: number; end: number }[] = [];
    for (const id of ids) {
      expect((await api.waitForStatus(id, ['succeeded', 'failed'])).status).toBe('succeeded');
      const texts = (await api.log(id)).map((l) => l.text);
      const at = (word: string) => Number(texts.find((t) => t.startsWith(`${word} `))?.split(' ')[1]) / 1e6;
      windows.push({ start: at('start'), end: at('end') });
    }
    const [a, b] = windows as [{ start: number; end: number }, { start: number; end: number }];
    expect(a.start < b.end && b.start < a.end).toBe(true);
  });
});

describe('a deployment from a repository served over SSH', () => {
  it('clones with the runner key, pins the host key on first use, and fetches on the next deployment', async () => {
    const sshDir = tempDir('polytene-e2e-sshd-');
    const sshd = await startSshd(sshDir, readFileSync(`${key}.pub`, 'utf8').trim());
    try {
      const bare = path.join(sshDir, 'app.git');
      execFileSync('git', ['clone', '-q', '--bare', repo.dir, bare]);
      const cloneUrl = `ssh://${sshd.user}@127.0.0.1:${sshd.port}${bare}`;
      const project = await api.createProject(cloneUrl, runnerId, { deployment_script: 'cat app.txt' });
      const first = await api.deploy(project.id, repo.git('rev-parse', 'HEAD'));
      expect((await api.waitForStatus(first, ['succeeded', 'failed'])).status).toBe('succeeded');
      const firstLog = (await api.log(first)).map((l) => l.text);
      expect(firstLog.some((t) => t.startsWith('Cloning ssh://'))).toBe(true);
      const knownHosts = readFileSync(path.join(dir, 'work', 'ssh', 'known_hosts'), 'utf8');
      expect(knownHosts).toContain(`[127.0.0.1]:${sshd.port}`);

      const next = repo.commit({ 'app.txt': 'version 2\n' });
      execFileSync('git', ['push', '-q', bare, 'main'], { cwd: repo.dir });
      const second = await api.deploy(project.id, next);
      expect((await api.waitForStatus(second, ['succeeded', 'failed'])).status).toBe('succeeded');
      const secondLog = (await api.log(second)).map((l) => l.text);
      expect(secondLog.some((t) => t.startsWith('Fetching ssh://'))).toBe(true);
      expect(secondLog.some((t) => t.startsWith('Cloning'))).toBe(false);
      expect(secondLog).toContain('version 2');
    } finally {
      await sshd.stop();
      rmSync(sshDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('refuses a host whose key changed since it was pinned: failed with a clear reason, nothing run', async () => {
    const sshDir = tempDir('polytene-e2e-sshd-');
    const otherDir = tempDir('polytene-e2e-sshd-other-');
    const authorized = readFileSync(`${key}.pub`, 'utf8').trim();
    let sshd = await startSshd(sshDir, authorized);
    try {
      const bare = path.join(sshDir, 'app.git');
      execFileSync('git', ['clone', '-q', '--bare', repo.dir, bare]);
      const cloneUrl = `ssh://${sshd.user}@127.0.0.1:${sshd.port}${bare}`;
      const project = await api.createProject(cloneUrl, runnerId, {
        deployment_script: 'echo deployed-by-script',
      });
      const first = await api.deploy(project.id, repo.git('rev-parse', 'HEAD'));
      expect((await api.waitForStatus(first, ['succeeded', 'failed'])).status).toBe('succeeded');

      // The same address now answers with another host key (a new server, or someone in between).
      await sshd.stop();
      sshd = await startSshd(otherDir, authorized, sshd.port);
      const next = repo.commit({ 'app.txt': 'after the host key changed\n' });
      execFileSync('git', ['push', '-q', bare, 'main'], { cwd: repo.dir });
      const second = await api.deploy(project.id, next);
      const done = await api.waitForStatus(second, ['succeeded', 'failed']);
      expect(done).toMatchObject({ status: 'failed', failure_reason: 'runner_error' });
      const texts = (await api.log(second)).map((l) => l.text);
      const reason = texts.find((t) => t.startsWith('Preparing the deployment failed'));
      expect(reason).toContain(`the SSH host key of [127.0.0.1]:${sshd.port} changed`);
      expect(reason).toContain('ssh-keygen -R');
      expect(texts).not.toContain('deployed-by-script');
    } finally {
      await sshd.stop();
      rmSync(sshDir, { recursive: true, force: true });
      rmSync(otherDir, { recursive: true, force: true });
    }
  }, 90_000);
});
