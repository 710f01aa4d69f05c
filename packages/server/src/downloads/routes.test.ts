import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../test-support/server.js';
import { RUNNER_BUNDLE, runnerBundle } from './runner-bundle.js';

const server = useTestServer();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'polytene-download-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('runner download', () => {
  it('serves the built runner without a login, with a sha256 that sha256sum -c accepts', async () => {
    const file = await server.app.inject({ method: 'GET', url: '/download/polytene-runner' });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(readFileSync(RUNNER_BUNDLE))).toBe(true);
    const sums = await server.app.inject({ method: 'GET', url: '/download/polytene-runner.sha256' });
    expect(sums.statusCode).toBe(200);
    expect(sums.payload).toMatch(/^[0-9a-f]{64} {2}polytene-runner\n$/);
    expect(file.headers['x-checksum-sha256']).toBe(sums.payload.slice(0, 64));

    writeFileSync(path.join(dir, 'polytene-runner'), file.rawPayload);
    writeFileSync(path.join(dir, 'SHA256SUMS'), sums.payload);
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })).toMatch(/OK/);
    const version = execFileSync(process.execPath, [path.join(dir, 'polytene-runner'), '--version'], {
      encoding: 'utf8',
    });
    const { version: expected } = JSON.parse(readFileSync('packages/runner/package.json', 'utf8')) as {
      version: string;
    };
    expect(version.trim()).toBe(expected);
  });

  it('says in words that the runner is not built when the bundle is missing', async () => {
    expect(await runnerBundle(path.join(dir, 'missing.mjs'))).toBeNull();
  });
});
