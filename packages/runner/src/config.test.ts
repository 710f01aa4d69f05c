import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadRunnerConfig, parseRunnerConfig } from './config.js';
import { tempDir } from './test-support/repo.js';

const dir = tempDir('polytene-cfg-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const workDir = path.join(dir, 'work');
const key = path.join(dir, 'id_ed25519');
writeFileSync(key, 'private', { mode: 0o600 });
const valid = { url: 'http://127.0.0.1:8080', token: 'prt_abc', workDir };

function problemsOf(input: Record<string, unknown>): string[] {
  try {
    parseRunnerConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('runner configuration', () => {
  it('fills defaults and resolves paths', () => {
    const config = parseRunnerConfig({ ...valid, sshKey: key, concurrency: '3' });
    expect(config).toMatchObject({
      concurrency: 3,
      workDir,
      sshKey: key,
      logLimitBytes: 100 * 1024 * 1024,
      logMemoryBytes: 4 * 1024 * 1024,
    });
    expect(statSync(workDir).isDirectory()).toBe(true);
  });

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a missing URL', { token: 'prt_x', workDir }, /^url is required \(--url or POLYTENE_RUNNER_URL\)$/],
    ['a URL that is not one', { ...valid, url: 'polytene.local' }, /^url: "polytene\.local" is not a URL/],
    [
      'a URL of another scheme',
      { ...valid, url: 'ftp://host' },
      /^url: must start with http:\/\/ or https:\/\//,
    ],
    ['a missing token', { url: valid.url, workDir }, /^token is required/],
    ['a concurrency of 0', { ...valid, concurrency: 0 }, /^concurrency: must be >= 1$/],
    ['a concurrency that is not a number', { ...valid, concurrency: 'many' }, /^concurrency: /],
    ['a missing key file', { ...valid, sshKey: path.join(dir, 'nope') }, /^ssh_key: .*nope does not exist$/],
    ['a key path that is a directory', { ...valid, sshKey: dir }, /^ssh_key: .* is not a file$/],
    [
      'a work dir under a file',
      { ...valid, workDir: path.join(key, 'sub') },
      /^work_dir: .* cannot be created: ENOTDIR/,
    ],
    ['an unknown setting', { ...valid, colour: 'blue' }, /^unknown setting "colour"$/],
  ];
  for (const [what, input, expected] of cases) {
    it(`reports ${what} in one line`, () => {
      const problems = problemsOf(input);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(expected);
      expect(problems[0]).not.toContain('\n');
    });
  }

  it('lists every problem at once', () => {
    const problems = problemsOf({ url: 'nope', concurrency: 0, sshKey: path.join(dir, 'nope'), workDir });
    expect(problems).toHaveLength(4);
  });

  it('reports a work dir this user cannot use', () => {
    if (process.getuid?.() === 0) return; // root can use any directory; the e2e test runs this case as nobody
    const locked = path.join(dir, 'locked');
    mkdirSync(locked, { mode: 0o000 });
    chmodSync(locked, 0o000);
    expect(problemsOf({ ...valid, workDir: locked })[0]).toMatch(/not readable and writable/);
  });

  it('takes the file, then flags, then POLYTENE_RUNNER_* variables', () => {
    const file = path.join(dir, 'config.yml');
    writeFileSync(file, `url: http://file.example\ntoken: prt_file\nconcurrency: 2\nwork_dir: ${workDir}\n`);
    const fromFile = loadRunnerConfig({ file: { path: file, required: true }, env: {} });
    expect(fromFile).toMatchObject({ url: 'http://file.example', token: 'prt_file', concurrency: 2 });
    const withFlags = loadRunnerConfig({
      file: { path: file, required: true },
      flags: { concurrency: '4' },
      env: {},
    });
    expect(withFlags.concurrency).toBe(4);
    const withEnv = loadRunnerConfig({
      file: { path: file, required: true },
      flags: { concurrency: '4' },
      env: { POLYTENE_RUNNER_CONCURRENCY: '5', POLYTENE_RUNNER_TOKEN: 'prt_env' },
    });
    expect(withEnv).toMatchObject({ concurrency: 5, token: 'prt_env', url: 'http://file.example' });
  });

  it('names a missing or malformed config file and unknown keys in it', () => {
    const missing = () =>
      loadRunnerConfig({ file: { path: path.join(dir, 'none.yml'), required: true }, env: {} });
    expect(missing).toThrow(/config file .*none\.yml does not exist/);
    const bad = path.join(dir, 'bad.yml');
    writeFileSync(bad, 'url: [unclosed\n');
    expect(() => loadRunnerConfig({ file: { path: bad, required: true }, env: {} })).toThrow(
      /cannot be read/,
    );
    const unknown = path.join(dir, 'unknown.yml');
    writeFileSync(unknown, 'url: http://x\nworkdir: /tmp\n');
    expect(() => loadRunnerConfig({ file: { path: unknown, required: true }, env: {} })).toThrow(
      /unknown setting "workdir"/,
    );
  });
});
