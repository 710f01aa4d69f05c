import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cloneUrlProblem, Workspaces, WorkspaceError } from './workspace.js';
import { TestRepo, tempDir } from './test-support/repo.js';

const repo = new TestRepo();
const workDir = tempDir('polytene-ws-');
afterAll(() => {
  repo.remove();
  rmSync(workDir, { recursive: true, force: true });
});

const workspaces = new Workspaces(workDir, undefined);

async function prepare(sha: string, environment = 'production') {
  const said: string[] = [];
  const prepared = await workspaces.prepare({ projectId: 7, cloneUrl: repo.url, sha, environment }, (t) =>
    said.push(t),
  );
  return { ...prepared, said };
}

describe('workspace', () => {
  it('clones once into the cache, then fetches only for commits it lacks', async () => {
    const first = repo.commit({ 'app.txt': 'v1\n' });
    const a = await prepare(first);
    expect(a.said.some((s) => s.startsWith('Cloning'))).toBe(true);
    expect(readFileSync(path.join(a.workTree, 'app.txt'), 'utf8')).toBe('v1\n');
    const cacheInode = statSync(a.gitDir).ino;

    const second = repo.commit({ 'app.txt': 'v2\n' });
    const b = await prepare(second);
    expect(b.said.some((s) => s.startsWith('Cloning'))).toBe(false);
    expect(b.said.some((s) => s.startsWith('Fetching'))).toBe(true);
    expect(statSync(b.gitDir).ino).toBe(cacheInode);
    expect(readFileSync(path.join(b.workTree, 'app.txt'), 'utf8')).toBe('v2\n');

    const again = await prepare(first);
    expect(again.said.some((s) => s.startsWith('Fetching') || s.startsWith('Cloning'))).toBe(false);
    expect(readFileSync(path.join(again.workTree, 'app.txt'), 'utf8')).toBe('v1\n');
  });

  it('checks out the exact commit, not the branch tip', async () => {
    const old = repo.commit({ 'version.txt': 'old\n' });
    repo.commit({ 'version.txt': 'new\n' });
    const prepared = await prepare(old);
    expect(repo.git('-C', prepared.workTree, 'rev-parse', 'HEAD')).toBe(old);
    expect(readFileSync(path.join(prepared.workTree, 'version.txt'), 'utf8')).toBe('old\n');
  });

  it('cleans a dirty work tree: edits reverted, untracked and ignored files removed', async () => {
    const sha = repo.commit({ 'tracked.txt': 'clean\n', '.gitignore': 'ignored.log\n' });
    const first = await prepare(sha);
    writeFileSync(path.join(first.workTree, 'tracked.txt'), 'dirty\n');
    writeFileSync(path.join(first.workTree, 'untracked.txt'), 'x');
    writeFileSync(path.join(first.workTree, 'ignored.log'), 'x');
    const second = await prepare(sha);
    expect(second.workTree).toBe(first.workTree);
    expect(readFileSync(path.join(second.workTree, 'tracked.txt'), 'utf8')).toBe('clean\n');
    expect(existsSync(path.join(second.workTree, 'untracked.txt'))).toBe(false);
    expect(existsSync(path.join(second.workTree, 'ignored.log'))).toBe(false);
  });

  it('gives each environment its own work tree', async () => {
    const sha = repo.commit({ 'env.txt': 'e\n' });
    const production = await prepare(sha, 'production');
    const staging = await prepare(sha, 'staging/eu');
    expect(staging.workTree).not.toBe(production.workTree);
    expect(path.dirname(staging.workTree)).toBe(path.dirname(production.workTree));
  });

  it('refuses a commit the repository does not have', async () => {
    await expect(prepare('0'.repeat(40))).rejects.toThrow(/commit 0{40} is not in/);
  });

  it('refuses an invalid sha and dangerous clone URLs before running git', async () => {
    await expect(prepare('HEAD; rm -rf /')).rejects.toBeInstanceOf(WorkspaceError);
    expect(cloneUrlProblem('--upload-pack=touch /tmp/x')).toMatch(/must not start/);
    expect(cloneUrlProblem('ext::sh -c touch% /tmp/x')).not.toBeNull();
    expect(cloneUrlProblem('fd::17')).toMatch(/remote helper/);
    expect(cloneUrlProblem('ftp://host/repo.git')).toMatch(/unsupported scheme/);
    expect(cloneUrlProblem('git@gitlab.example.com:group/app.git')).toBeNull();
    expect(cloneUrlProblem('ssh://git@127.0.0.1:2222/srv/app.git')).toBeNull();
    expect(cloneUrlProblem('https://gitlab.example.com/group/app.git')).toBeNull();
    expect(cloneUrlProblem('file:///srv/app.git')).toBeNull();
  });
});
