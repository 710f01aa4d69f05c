import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { isValidSha } from '@polytene/protocol';
import { GitError, gitEnv, runGit } from './git.js';

export class WorkspaceError extends Error {}

export interface Checkout {
  projectId: number;
  cloneUrl: string;
  sha: string;
  environment: string;
}

export interface PreparedWorkspace {
  /** The clean work tree the script runs in. */
  workTree: string;
  /** The cached bare clone (for `git archive`). */
  gitDir: string;
  /** The environment every git command of this workspace uses (SSH key, pinned host keys). */
  env: NodeJS.ProcessEnv;
  /** `git archive --format=zip` of the commit, kept in the runner's cache (copy it, never change it). */
  archive: string;
}

/** Archives kept per project: a redeploy of a recent commit reuses its zip instead of making it again. */
const ARCHIVES_KEPT = 3;

/**
 * One cached bare clone per project under `<workDir>/repos`, fetched only when it lacks the wanted commit,
 * and one work tree per project and environment under `<workDir>/trees`, forced to the exact commit and
 * cleaned of everything untracked before each deployment.
 */
export class Workspaces {
  private readonly locks = new Map<number, Promise<unknown>>();

  constructor(
    private readonly workDir: string,
    private readonly sshKey: string | undefined,
  ) {}

  get knownHostsFile(): string {
    return path.join(this.workDir, 'ssh', 'known_hosts');
  }

  async prepare(
    checkout: Checkout,
    say: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<PreparedWorkspace> {
    if (!isValidSha(checkout.sha)) throw new WorkspaceError(`"${checkout.sha}" is not a full commit id`);
    const urlProblem = cloneUrlProblem(checkout.cloneUrl);
    if (urlProblem) throw new WorkspaceError(`the clone URL ${urlProblem}`);
    return this.withProjectLock(checkout.projectId, () => this.prepareLocked(checkout, say, signal));
  }

  private async prepareLocked(
    checkout: Checkout,
    say: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<PreparedWorkspace> {
    await mkdir(path.dirname(this.knownHostsFile), { recursive: true, mode: 0o700 });
    const env = gitEnv({ GIT_SSH_COMMAND: this.sshCommand() });
    const gitDir = path.join(this.workDir, 'repos', `${checkout.projectId}.git`);
    const shown = displayUrl(checkout.cloneUrl);
    try {
      if (!existsSync(gitDir)) {
        say(`Cloning ${shown} into the runner's cache`);
        await this.cloneInto(gitDir, checkout.cloneUrl, env, signal);
      }
      if (!(await hasCommit(gitDir, checkout.sha, env))) {
        say(`Fetching ${shown}`);
        await runGit(['fetch', '--prune', '--force', '--', checkout.cloneUrl, ...FETCH_REFSPECS], {
          cwd: gitDir,
          env,
          signal,
        });
      }
      if (!(await hasCommit(gitDir, checkout.sha, env))) {
        await runGit(['fetch', '--force', '--', checkout.cloneUrl, checkout.sha], {
          cwd: gitDir,
          env,
          signal,
        }).catch(() => undefined);
      }
      if (!(await hasCommit(gitDir, checkout.sha, env))) {
        throw new WorkspaceError(`commit ${checkout.sha} is not in ${shown}`);
      }
      const workTree = path.join(
        this.workDir,
        'trees',
        String(checkout.projectId),
        slug(checkout.environment),
      );
      // The zip is made from the cached clone while the work tree is checked out: neither needs the other.
      const archive = this.archiveOf(checkout.projectId, gitDir, checkout.sha, env, signal);
      archive.catch(() => undefined);
      try {
        await this.checkoutInto(gitDir, workTree, checkout.sha, env, signal);
      } catch (error) {
        await archive.catch(() => undefined);
        throw error;
      }
      say(`Checked out ${checkout.sha} in ${workTree}`);
      return { workTree, gitDir, env, archive: await archive };
    } catch (error) {
      if (error instanceof GitError)
        throw new WorkspaceError(sshProblem(error.stderr, this.knownHostsFile) ?? error.message);
      throw error;
    }
  }

  private async cloneInto(
    gitDir: string,
    url: string,
    env: NodeJS.ProcessEnv,
    signal?: AbortSignal,
  ): Promise<void> {
    const partial = `${gitDir}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(path.dirname(gitDir), { recursive: true });
    await runGit(['clone', '--bare', '--quiet', '--', url, partial], { env, signal });
    await rename(partial, gitDir);
  }

  private async checkoutInto(
    gitDir: string,
    workTree: string,
    sha: string,
    env: NodeJS.ProcessEnv,
    signal?: AbortSignal,
  ): Promise<void> {
    if (existsSync(path.join(workTree, '.git'))) {
      try {
        await runGit(['checkout', '--quiet', '--force', '--detach', sha], { cwd: workTree, env, signal });
        await runGit(['clean', '-ffdxq'], { cwd: workTree, env, signal });
        return;
      } catch (error) {
        if (signal?.aborted) throw error;
      }
    }
    await rm(workTree, { recursive: true, force: true });
    await mkdir(path.dirname(workTree), { recursive: true });
    await runGit(['worktree', 'prune'], { cwd: gitDir, env, signal });
    await runGit(['worktree', 'add', '--quiet', '--force', '--detach', workTree, sha], {
      cwd: gitDir,
      env,
      signal,
    });
  }

  /**
   * `<workDir>/archives/<project>/<sha>.zip`, made by `git archive` unless it is there already; the
   * oldest beyond the last few are removed. Runs under the project lock.
   */
  private async archiveOf(
    projectId: number,
    gitDir: string,
    sha: string,
    env: NodeJS.ProcessEnv,
    signal?: AbortSignal,
  ): Promise<string> {
    const dir = path.join(this.workDir, 'archives', String(projectId));
    const file = path.join(dir, `${sha}.zip`);
    if (existsSync(file)) {
      const now = new Date();
      await utimes(file, now, now);
      return file;
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const partial = `${file}.partial`;
    try {
      await runGit(['archive', '--format=zip', '-o', partial, sha], { cwd: gitDir, env, signal });
      await rename(partial, file);
    } finally {
      await rm(partial, { force: true });
    }
    await pruneArchives(dir, ARCHIVES_KEPT);
    return file;
  }

  /** GIT_SSH_COMMAND: the runner's key only, no prompts, host keys accepted on first use and pinned. */
  private sshCommand(): string {
    const options = [
      'ssh',
      ...(this.sshKey ? ['-i', shellQuote(this.sshKey), '-o', 'IdentitiesOnly=yes'] : []),
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      `UserKnownHostsFile=${shellQuote(this.knownHostsFile)}`,
      '-o',
      'HashKnownHosts=no',
    ];
    return options.join(' ');
  }

  private async withProjectLock<T>(projectId: number, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(projectId) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    this.locks.set(projectId, current);
    try {
      return await current;
    } finally {
      if (this.locks.get(projectId) === current) this.locks.delete(projectId);
    }
  }
}

/** Removes all but the `keep` most recently used zips of a project. */
async function pruneArchives(dir: string, keep: number): Promise<void> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.zip'));
  if (names.length <= keep) return;
  const used = await Promise.all(
    names.map(async (name) => ({ name, at: (await stat(path.join(dir, name))).mtimeMs })),
  );
  used.sort((a, b) => b.at - a.at);
  for (const { name } of used.slice(keep)) await rm(path.join(dir, name), { force: true });
}

const FETCH_REFSPECS = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

async function hasCommit(gitDir: string, sha: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    await runGit(['cat-file', '-e', `${sha}^{commit}`], { cwd: gitDir, env });
    return true;
  } catch {
    return false;
  }
}

/** Why git must not be given this clone URL, or null. Accepts ssh/https/http/file URLs and scp-like addresses. */
export function cloneUrlProblem(url: string): string | null {
  if (url.length === 0) return 'is empty';
  if (url.startsWith('-')) return 'must not start with "-"';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f]/.test(url)) return 'must not contain spaces or control characters';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    return ['ssh', 'https', 'http', 'file'].includes(scheme)
      ? null
      : `uses an unsupported scheme "${scheme}"`;
  }
  if (url.includes('::')) return 'names a git remote helper, which is not allowed';
  return /^[^/:]+:/.test(url) ? null : 'is neither a URL nor a user@host:path address';
}

/**
 * A clear reason when ssh refused the server's host key, or null. The key pinned on first use
 * (StrictHostKeyChecking=accept-new) no longer matching is never accepted silently.
 */
export function sshProblem(stderr: string, knownHostsFile: string): string | null {
  const changed = /Host key for (\S+) has changed/.exec(stderr);
  if (changed || stderr.includes('REMOTE HOST IDENTIFICATION HAS CHANGED')) {
    const host = changed?.[1] ?? 'the git server';
    return (
      `the SSH host key of ${host} changed since the runner pinned it in ${knownHostsFile}, so git ` +
      `refused to connect (a new server, or someone in between). If the change is expected, remove the ` +
      `pinned key with: ssh-keygen -R ${shellQuote(host)} -f ${shellQuote(knownHostsFile)}`
    );
  }
  if (stderr.includes('Host key verification failed')) {
    const detail = /^(?!@)(.*host key.*)$/im.exec(stderr)?.[1]?.trim();
    return (
      `the SSH host key of the git server could not be verified against ${knownHostsFile}` +
      (detail ? `: ${detail}` : '')
    );
  }
  return null;
}

/** The URL without a password, for log lines. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function slug(name: string): string {
  const readable = name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40);
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${readable}-${digest}`;
}

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
