import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { tempDir } from '../packages/runner/src/test-support/repo.js';
import { OFFERED_RUNNER_VERSION, RUNNER_BUNDLE } from '../packages/server/src/downloads/runner-bundle.js';
import {
  runnerConfigureCommand,
  runnerInstallCommand,
  runnerSystemdUnit,
} from '../packages/web/src/lib/runner-install.js';
import { Api, startPolytene, type PolyteneServer } from './runner-harness.js';

/** The lines the "new runner" page shows, run as a person would run them on a deploy host. */
const run = promisify(execFile);
let server: PolyteneServer;
let api: Api;
const dir = tempDir('polytene-e2e-install-');
const binary = path.join(dir, 'bin', 'polytene-runner');
const env = {
  ...process.env,
  PATH: `${path.dirname(binary)}:${process.env.PATH ?? ''}`,
  XDG_CONFIG_HOME: dir,
};

beforeAll(async () => {
  server = await startPolytene();
  api = await Api.asAdmin(server.url);
  await run('mkdir', ['-p', path.dirname(binary)]);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await run('rm', ['-rf', dir]);
});

describe('installing a runner from the server', () => {
  it('downloads the runner, checks its sha256 and installs it with the one-line command', async () => {
    const { stdout } = await run('bash', ['-c', runnerInstallCommand(server.url, binary)], { env });
    expect(stdout).toContain('polytene-runner: OK');
    expect(readFileSync(binary)).toEqual(readFileSync(RUNNER_BUNDLE));
    const version = await run(binary, ['--version'], { env });
    expect(version.stdout.trim()).toBe(OFFERED_RUNNER_VERSION);
  });

  it('configures the installed runner with the command shown for a new token', async () => {
    const { token } = await api.createRunner('installed-host');
    const command = `${runnerConfigureCommand(server.url, token)} --non-interactive --work-dir ${dir}/work`;
    await run('bash', ['-c', command], { env });
    const config = YAML.parse(readFileSync(path.join(dir, 'polytene-runner', 'config.yml'), 'utf8')) as {
      url: string;
      token: string;
    };
    expect(config).toMatchObject({ url: server.url, token });
  });

  it('gives a systemd unit that systemd accepts for the installed runner', async () => {
    const unit = path.join(dir, 'polytene-runner.service');
    writeFileSync(unit, runnerSystemdUnit(binary));
    const { stdout, stderr } = await run('systemd-analyze', ['verify', unit]);
    expect(stdout + stderr).toBe('');
  });
});
