import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { findFreePort } from '../packages/server/src/db/embedded.js';
import { tempDir } from '../packages/runner/src/test-support/repo.js';
import { Api, runRunnerCli, startPolytene, type PolyteneServer } from './runner-harness.js';

/** The polytene-runner command line against a real server: bad configuration, configure, detach, stop. */
let server: PolyteneServer;
let token: string;
const dir = tempDir('polytene-e2e-cli-');
const workDir = path.join(dir, 'work');

beforeAll(async () => {
  server = await startPolytene();
  const api = await Api.asAdmin(server.url);
  token = (await api.createRunner('cli-runner')).token;
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[], uid?: number) {
  const run = runRunnerCli(args, { XDG_CONFIG_HOME: path.join(dir, 'xdg') }, uid);
  const { code } = await run.exited;
  return { code, output: run.output };
}

function expectOneClearLine(output: string, pattern: RegExp): void {
  const lines = output.trim().split('\n');
  expect(lines, output).toHaveLength(1);
  expect(lines[0]).toMatch(/^polytene-runner: /);
  expect(lines[0]).toMatch(pattern);
  expect(output).not.toMatch(/\n\s+at /);
}

describe('polytene-runner with a bad configuration', () => {
  it('an unreachable URL: one line, exit 69', async () => {
    const port = await findFreePort();
    const result = await cli([
      'start',
      '--url',
      `http://127.0.0.1:${port}`,
      '--token',
      token,
      '--work-dir',
      workDir,
    ]);
    expect(result.code).toBe(69);
    expectOneClearLine(result.output, /cannot reach Polytene at http:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/);
  });

  it('a wrong token: one line, exit 77', async () => {
    const result = await cli(['start', '--url', server.url, '--token', 'prt_wrong', '--work-dir', workDir]);
    expect(result.code).toBe(77);
    expectOneClearLine(result.output, /the server refused the runner token/);
  });

  it('a missing key: one line, exit 78', async () => {
    const args = ['start', '--url', server.url, '--token', token, '--work-dir', workDir];
    const result = await cli([...args, '--ssh-key', path.join(dir, 'no-such-key')]);
    expect(result.code).toBe(78);
    expectOneClearLine(result.output, /invalid configuration: ssh_key: .*no-such-key does not exist/);
  });

  it('a work dir the runner user cannot use: one line, exit 78', async () => {
    const locked = path.join(dir, 'locked');
    mkdirSync(locked, { mode: 0o700 });
    chmodSync(locked, 0o700);
    const asRoot = process.getuid?.() === 0;
    chmodSync(dir, 0o755);
    if (!asRoot) chmodSync(locked, 0o000);
    const nobody = asRoot ? Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })) : undefined;
    const result = await cli(
      ['validate', '--url', server.url, '--token', token, '--work-dir', locked],
      nobody,
    );
    expect(result.code).toBe(78);
    expectOneClearLine(
      result.output,
      /invalid configuration: work_dir: .*locked is not readable and writable/,
    );
  });
});

describe('polytene-runner configure, start --detach, status, stop', () => {
  it('writes a 0600 config with a generated key, runs in the background and stops', async () => {
    const config = path.join(dir, 'runner.yml');
    const key = path.join(dir, 'keys', 'runner_ed25519');
    const configured = await cli([
      'configure',
      '--non-interactive',
      '--config',
      config,
      '--url',
      server.url,
      '--token',
      token,
      '--ssh-key',
      key,
      '--generate-key',
      '--work-dir',
      workDir,
    ]);
    expect(configured.code, configured.output).toBe(0);
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(existsSync(`${key}.pub`)).toBe(true);
    expect(YAML.parse(readFileSync(config, 'utf8'))).toEqual({
      url: server.url,
      token,
      ssh_key: key,
      work_dir: workDir,
      concurrency: 1,
    });
    expect(configured.output).toContain('knows this runner as "cli-runner"');

    expect((await cli(['status', '--config', config])).code).toBe(3);
    const started = await cli(['start', '--detach', '--config', config]);
    expect(started.code, started.output).toBe(0);
    const status = await cli(['status', '--config', config]);
    expect(status.code).toBe(0);
    const pid = Number(/pid (\d+)/.exec(status.output)?.[1]);
    expect(readFileSync(path.join(workDir, 'runner.log'), 'utf8')).toContain('connected to');
    expect((await cli(['start', '--detach', '--config', config])).code).toBe(1);
    const stopped = await cli(['stop', '--config', config]);
    expect(stopped.code).toBe(0);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(path.join(workDir, 'runner.pid'))).toBe(false);
  });

  it('answers --help on every command with the exit codes, and 2 for a wrong command', async () => {
    for (const command of ['configure', 'start', 'stop', 'restart', 'status', 'validate']) {
      const help = await cli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.output).toContain(`Usage: polytene-runner ${command}`);
      expect(help.output).toContain('78  the configuration is invalid');
    }
    expect((await cli(['deploy-everything'])).code).toBe(2);
  });
});

describe('polytene-runner in the repository', () => {
  it('npx polytene-runner runs the built runner through the launcher npm linked at install time', () => {
    const output = execFileSync('npx', ['--no-install', 'polytene-runner', '--version'], {
      encoding: 'utf8',
    });
    const { version } = JSON.parse(readFileSync('packages/runner/package.json', 'utf8')) as {
      version: string;
    };
    expect(output.trim()).toBe(version);
  });
});
