import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../packages/server/src/db/embedded.js';
import { TestRepo, tempDir } from '../packages/runner/src/test-support/repo.js';
import { Api, delay, startPolytene, type PolyteneServer } from './runner-harness.js';
import { cutProxy } from './support/cut-proxy.js';

/** The bundled `polytene` CLI as a real process against a real server with its built-in runner. */
const CLI = path.resolve('packages/cli/dist/polytene.mjs');
const dir = tempDir('polytene-e2e-cli-');
const configFile = path.join(dir, 'xdg', 'polytene', 'config.json');
const repo = new TestRepo('polytene-e2e-cli-repo-');
let server: PolyteneServer;
let api: Api;
let token: string;
let runnerId: number;

interface Run {
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = { stdout: '', stderr: '', exited: new Promise((resolve) => child.on('exit', resolve)) };
  child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return run;
}

async function polytene(...args: string[]) {
  const run = start(args);
  const code = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
}

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await delay(25);
  }
}

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^polytene: /);
  expect(lines[0]).toMatch(pattern);
}

async function project(script: string): Promise<{ id: number; name: string }> {
  const { id } = await api.createProject(repo.url, runnerId, { deployment_script: script });
  return api.call('GET', `/api/v1/projects/${id}`);
}

/** Reports a successful CI build of a new commit on main; answers its id. */
async function build(projectId: number, content: string): Promise<number> {
  const sha = repo.commit({ 'app.txt': `${content}\n` });
  const intake = await api.call<{ build: { id: number } }>('POST', `/api/v1/projects/${projectId}/builds`, {
    ref: 'main',
    sha,
    status: 'success',
    external_id: `cli-${content}-${Math.random().toString(36).slice(2, 8)}`,
  });
  return intake.build.id;
}

beforeAll(async () => {
  server = await startPolytene({ POLYTENE_LOCAL_RUNNER: 'true' });
  api = await Api.asAdmin(server.url);
  token = (await api.call<{ token: string }>('POST', '/api/v1/user/tokens', { name: 'cli-e2e' })).token;
  const { runners } = await api.call<{ runners: { id: number; name: string }[] }>('GET', '/api/v1/runners');
  runnerId = runners.find((r) => r.name === 'local')!.id;
}, 120_000);

afterAll(async () => {
  await server?.close();
  repo.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('polytene login', () => {
  it('a wrong token: one line, exit 3, nothing saved', async () => {
    const result = await polytene('login', server.url, '--token', 'pt_wrong');
    expect(result.code).toBe(3);
    expectOneLine(result.stderr, /the server refused the token \(the API token is not valid\)/);
    expect(result.stdout).toBe('');
    expect(existsSync(configFile)).toBe(false);
  });

  it('an unreachable server: one line, exit 5', async () => {
    const url = `http://127.0.0.1:${await findFreePort()}`;
    const result = await polytene('login', url, '--token', token);
    expect(result.code).toBe(5);
    expectOneLine(result.stderr, /cannot reach Polytene at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it('checks the token, then writes URL and token to a 0600 file', async () => {
    const result = await polytene('login', `${server.url}/`, '--token', token);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`logged in to ${server.url} as admin (saved in ${configFile})\n`);
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual({ url: server.url, token, login: 'admin' });
  });

  it('a wrong token given to another command: exit 3', async () => {
    const result = await polytene('projects', '--token', 'pt_wrong');
    expect(result.code).toBe(3);
    expectOneLine(result.stderr, /refused the token/);
  });
});

describe('polytene with a saved login', () => {
  let good: { id: number; name: string };
  let firstBuild: number;
  let secondBuild: number;

  beforeAll(async () => {
    good = await project('cat app.txt');
    firstBuild = await build(good.id, 'first');
    secondBuild = await build(good.id, 'second');
  });

  it('projects and builds list, as text and as JSON', async () => {
    const text = await polytene('projects');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ID\s+NAME\s+BRANCH\s+RUNNER\s+ACCESS\n/);
    expect(text.stdout).toMatch(new RegExp(`^${good.id}\\s+${good.name}\\s+main\\s+local\\s+manage$`, 'm'));
    const json = await polytene('projects', '--json');
    expect(JSON.parse(json.stdout).projects.map((p: { id: number }) => p.id)).toContain(good.id);

    const builds = await polytene('builds', good.name, '--ref', 'main');
    expect(builds.code, builds.stderr).toBe(0);
    const rows = builds.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^ID\s+REF\s+SHA\s+CI\s+DEPLOYMENT\s+CREATED$/);
    expect(rows.slice(1).map((r) => Number(r.split(/\s+/)[0]))).toEqual([secondBuild, firstBuild]);
    const listed = JSON.parse((await polytene('--json', 'builds', String(good.id))).stdout);
    expect(listed.builds.map((b: { id: number }) => b.id)).toEqual([secondBuild, firstBuild]);

    const missing = await polytene('builds', 'no-such-project');
    expect(missing.code).toBe(4);
    expectOneLine(missing.stderr, /no project named "no-such-project"/);
  });

  it('deploy --wait exits 0 when the script succeeds, and rollback deploys the build before the live one', async () => {
    const first = await polytene('deploy', String(firstBuild), '--wait');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^deployment \d+ succeeded\n$/);
    const second = await polytene('deploy', `${good.name}:main`, '--env', 'production', '--follow');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('second\n');
    expect(second.stderr).toContain(`(build ${secondBuild}) to production`);

    const envs = JSON.parse((await polytene('envs', good.name, '--json')).stdout);
    expect(envs.environments).toMatchObject([
      { name: 'production', live: { build: { id: secondBuild } }, waiting: 0, hold: null },
    ]);

    const rollback = await polytene('rollback', good.name, '--env', 'production', '--wait', '--json');
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(JSON.parse(rollback.stdout)).toMatchObject({
      status: 'succeeded',
      rollback: true,
      build: { id: firstBuild },
    });
    expect(rollback.stderr).toContain(`from build ${secondBuild}`);

    // The rollback holds automatic deployment there until someone resumes it.
    const held = await polytene('envs', good.name);
    expect(held.stdout).toMatch(
      /^production\s+build \d+ main@\w+ \(rollback\) .*held by \S+: rolled back to build #\d+$/m,
    );
    const resumed = await polytene('resume', good.name, '--env', 'production', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ name: 'production', hold: null });
    expect((await polytene('resume', good.name, '--env', 'production')).code).not.toBe(0);
    const manual = await polytene('hold', good.name, '--env', 'production', '-m', 'release freeze');
    expect(manual.stdout).toMatch(/^production: held by \S+: release freeze$/m);
    expect((await polytene('resume', good.name, '--env', 'production')).code).toBe(0);
  });

  it('deploy --wait exits 1 when the script fails; status says so with exit 1 too', async () => {
    const bad = await project('echo about to fail\nexit 3');
    await build(bad.id, 'bad');
    const result = await polytene('deploy', `${bad.id}:main`, '--wait');
    expect(result.code).toBe(1);
    const id = /^deployment (\d+) failed \(script_failure, exit code 3\)$/m.exec(result.stdout)?.[1];
    expect(id, result.stdout).toBeDefined();
    const status = await polytene('status', id!);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^status\s+failed \(script_failure, exit code 3\)$/m);
    const json = await polytene('status', id!, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: Number(id), status: 'failed', exit_code: 3 });
    const log = await polytene('logs', id!);
    expect(log.stdout).toContain('about to fail\n');
    expect(JSON.parse((await polytene('logs', id!, '--json')).stdout).lines.length).toBeGreaterThan(0);
  });

  it('logs --follow prints every line exactly once across dropped connections', async () => {
    const slow = await project('for i in $(seq 1 30); do echo "line $i"; sleep 0.1; done');
    await build(slow.id, 'slow');
    const queued = JSON.parse((await polytene('deploy', `${slow.id}:main`, '--json')).stdout) as {
      id: number;
    };
    const proxy = await cutProxy(server.port);
    try {
      const follow = start(['logs', String(queued.id), '--follow', '--url', proxy.url]);
      await until(() => follow.stdout.includes('line 5\n'), '"line 5"');
      expect(proxy.cut()).toBeGreaterThan(0);
      await until(() => follow.stdout.includes('line 15\n'), '"line 15" after the first drop');
      proxy.cut();
      expect(await follow.exited, follow.stderr).toBe(0);
      const stored = (await api.log(queued.id)).map((l) => l.text);
      expect(follow.stdout.split('\n').slice(0, -1)).toEqual(stored);
      const lines = follow.stdout.split('\n').filter((l) => /^line \d+$/.test(l));
      expect(lines).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i + 1}`));
      expect(follow.stderr.match(/connection lost/g)?.length).toBeGreaterThanOrEqual(2);
    } finally {
      await proxy.close();
    }
  });

  it('logout forgets the login: exit 3 afterwards', async () => {
    expect((await polytene('logout')).stdout).toBe(`logged out (removed ${configFile})\n`);
    const result = await polytene('projects');
    expect(result.code).toBe(3);
    expectOneLine(result.stderr, /not logged in/);
  });
});

describe('polytene in the repository', () => {
  it('npx polytene --help runs the bundle through the committed launcher', async () => {
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'polytene', '--help'], {
      cwd: path.resolve('.'),
    });
    expect(stdout).toMatch(/^Usage: polytene /);
    expect(stdout).toContain('Exit codes:');
  });

  it('usage errors exit 2 with one line', async () => {
    const result = await polytene('deploy', 'not a target');
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, /give a build id or <project>:<ref>/);
    const unknown = await polytene('frobnicate');
    expect(unknown.code).toBe(2);
    expectOneLine(unknown.stderr, /unknown command 'frobnicate'/);
  });
});
