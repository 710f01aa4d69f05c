import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../packages/runner/src/test-support/repo.js';
import { Api, startPolytene, type PolyteneServer } from './runner-harness.js';

/** `npm start` runs the built-in runner `local` in the server process, through the runner package. */
let server: PolyteneServer;
let api: Api;
const repo = new TestRepo('polytene-e2e-local-');

beforeAll(async () => {
  server = await startPolytene({ POLYTENE_LOCAL_RUNNER: 'true' });
}, 120_000);

afterAll(async () => {
  await server?.close();
  repo.remove();
});

describe('the built-in local runner', () => {
  it('is registered as "local" with its token kept in the data dir (0600) and deploys a project', async () => {
    api = await Api.asAdmin(server.url);
    const { runners } = await api.call<{ runners: { id: number; name: string; hostname: string | null }[] }>(
      'GET',
      '/api/v1/runners',
    );
    const local = runners.find((r) => r.name === 'local');
    expect(local?.hostname).toBeTruthy();
    const tokenFile = path.join(server.dataDir, 'local-runner.token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(tokenFile, 'utf8')).toMatch(/^prt_/);

    const sha = repo.commit({ 'app.txt': 'local\n' });
    const project = await api.createProject(repo.url, local!.id, { deployment_script: 'cat app.txt' });
    const id = await api.deploy(project.id, sha);
    expect((await api.waitForStatus(id, ['succeeded', 'failed'])).status).toBe('succeeded');
    expect((await api.log(id)).map((l) => l.text)).toContain('local');
  });

  it('keeps the same runner and token across a restart and deploys again', async () => {
    const tokenFile = path.join(server.dataDir, 'local-runner.token');
    const before = readFileSync(tokenFile, 'utf8');
    await server.process.stop();
    await server.restart();
    expect(readFileSync(tokenFile, 'utf8')).toBe(before);
    const { runners } = await api.call<{ runners: { id: number; name: string }[] }>('GET', '/api/v1/runners');
    const locals = runners.filter((r) => r.name === 'local');
    expect(locals).toHaveLength(1);
    const sha = repo.commit({ 'app.txt': 'after restart\n' });
    const project = await api.createProject(repo.url, locals[0]!.id, { deployment_script: 'cat app.txt' });
    const id = await api.deploy(project.id, sha);
    expect((await api.waitForStatus(id, ['succeeded', 'failed'])).status).toBe('succeeded');
  });
});
