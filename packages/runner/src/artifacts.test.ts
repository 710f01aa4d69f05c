import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EnvironmentTarget, Job } from '@polytene/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { artifactsDirOf, METADATA_FILE, writeArtifacts } from './artifacts.js';
import { INVENTORY_FILE } from './inventory.js';
import { Workspaces } from './workspace.js';
import { TestRepo, tempDir } from './test-support/repo.js';
import { readZip } from './test-support/zip.js';

const repo = new TestRepo();
const workDir = tempDir('polytene-art-');
afterAll(() => {
  repo.remove();
  rmSync(workDir, { recursive: true, force: true });
});

function jobFor(sha: string, artifactsDir = 'polytene', targets?: Job['targets']): Job {
  return {
    id: 31,
    token: 'pjt_x',
    project: { id: 4, name: 'shop', clone_url: repo.url },
    build: { id: 12, ref: 'refs/heads/main', sha, external_id: '998' },
    branch: 'main',
    environment: 'production',
    artifacts_dir: artifactsDir,
    script: 'true',
    timeout_seconds: 60,
    variables: [],
    ...(targets ? { targets } : {}),
  };
}

describe('artifacts', () => {
  it('writes polytene-runner.yml with the deployment fields and <sha>.zip with the commit tree', async () => {
    const sha = repo.commit({ 'index.html': '<h1>hi</h1>\n', 'lib/app.js': 'console.log(1)\n' });
    const workspace = await new Workspaces(workDir, undefined).prepare(
      { projectId: 4, cloneUrl: repo.url, sha, environment: 'production' },
      () => undefined,
    );
    const dir = await writeArtifacts(jobFor(sha, 'out/artifacts'), workspace);
    expect(dir).toBe(path.join(workspace.workTree, 'out', 'artifacts'));
    const meta = YAML.parse(readFileSync(path.join(dir, METADATA_FILE), 'utf8')) as Record<string, unknown>;
    expect(meta).toEqual({
      branch: 'main',
      ref: 'refs/heads/main',
      sha,
      repo_url: repo.url,
      environment: 'production',
      project_id: 4,
      project_name: 'shop',
      build_id: 12,
      build_external_id: '998',
      deployment_id: 31,
      targets: [],
    });
    expect(readFileSync(path.join(dir, INVENTORY_FILE), 'utf8')).toBe('all:\n  hosts: {}\n  children: {}\n');
    const zip = readZip(path.join(dir, `${sha}.zip`));
    expect([...zip.keys()].sort()).toEqual(['index.html', 'lib/', 'lib/app.js']);
    expect(zip.get('index.html')?.toString()).toBe('<h1>hi</h1>\n');
    expect(zip.get('lib/app.js')?.toString()).toBe('console.log(1)\n');
  });

  it('makes the zip of a commit once and copies it from the cache; keeps the last 3 per project', async () => {
    const workspaces = new Workspaces(workDir, undefined);
    const prepare = (sha: string) =>
      workspaces.prepare({ projectId: 9, cloneUrl: repo.url, sha, environment: 'staging' }, () => undefined);
    const sha = repo.commit({ 'cached.txt': 'one\n' });
    const first = await prepare(sha);
    const dir = await writeArtifacts(jobFor(sha), first);
    const cachedInode = statSync(first.archive).ino;
    // The script may change its copy: the cache and the next deployment are not affected.
    writeFileSync(path.join(dir, `${sha}.zip`), 'changed by the script');
    const again = await prepare(sha);
    expect(again.archive).toBe(first.archive);
    expect(statSync(again.archive).ino).toBe(cachedInode);
    await writeArtifacts(jobFor(sha), again);
    expect(
      readZip(path.join(dir, `${sha}.zip`))
        .get('cached.txt')
        ?.toString(),
    ).toBe('one\n');

    const later: string[] = [];
    for (const n of [2, 3, 4]) {
      later.push(repo.commit({ 'cached.txt': `${n}\n` }));
      await prepare(later[later.length - 1] ?? '');
    }
    const kept = readdirSync(path.dirname(first.archive)).sort();
    expect(kept).toEqual(later.map((s) => `${s}.zip`).sort());
  });

  it("lists the environment's targets in polytene-runner.yml and writes them into inventory.yml", async () => {
    const sha = repo.commit({ 'targets.txt': 'targets\n' });
    const workspace = await new Workspaces(workDir, undefined).prepare(
      { projectId: 5, cloneUrl: repo.url, sha, environment: 'production' },
      () => undefined,
    );
    const targets: EnvironmentTarget[] = [
      { name: 'web1', address: '10.0.0.1', groups: ['web'], variables: { http_port: 80 } },
      { name: 'db1', address: 'db1.internal', groups: [], variables: {} },
    ];
    const dir = await writeArtifacts(jobFor(sha, 'polytene', targets), workspace);
    const meta = YAML.parse(readFileSync(path.join(dir, METADATA_FILE), 'utf8')) as Record<string, unknown>;
    expect(meta.targets).toEqual([
      { name: 'web1', address: '10.0.0.1', groups: ['web'] },
      { name: 'db1', address: 'db1.internal', groups: [] },
    ]);
    expect(YAML.parse(readFileSync(path.join(dir, INVENTORY_FILE), 'utf8'))).toEqual({
      all: {
        hosts: { web1: { ansible_host: '10.0.0.1', http_port: 80 }, db1: { ansible_host: 'db1.internal' } },
        children: { web: { hosts: { web1: null } } },
      },
    });
  });

  it('refuses, in words, targets that Ansible would not take', async () => {
    const sha = repo.commit({ 'bad-targets.txt': 'bad\n' });
    const workspace = await new Workspaces(workDir, undefined).prepare(
      { projectId: 6, cloneUrl: repo.url, sha, environment: 'production' },
      () => undefined,
    );
    const targets = [{ name: 'web[1:3]', address: '10.0.0.1', groups: [], variables: {} }];
    await expect(writeArtifacts(jobFor(sha, 'polytene', targets), workspace)).rejects.toThrow(
      `the environment's targets cannot be an Ansible inventory: target 1 ("web[1:3]"): the name may hold ` +
        'only letters, digits, "_", "-" and ".", starting with a letter, digit or "_"',
    );
  });

  it('keeps the artifacts dir inside the work tree', () => {
    expect(() => artifactsDirOf('/w/tree', '../elsewhere')).toThrow(/inside the work tree/);
    expect(() => artifactsDirOf('/w/tree', '/etc')).toThrow(/relative/);
    expect(() => artifactsDirOf('/w/tree', '.')).toThrow(/inside the work tree/);
    expect(artifactsDirOf('/w/tree', '')).toBe('/w/tree/polytene');
  });
});
