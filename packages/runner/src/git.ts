import { spawn } from 'node:child_process';

export class GitError extends Error {
  constructor(
    message: string,
    /** Everything git (and ssh under it) wrote to stderr. */
    readonly stderr = '',
  ) {
    super(message);
  }
}

export interface GitOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/**
 * Runs git with an argument list (never through a shell). Resolves with stdout; rejects with a GitError
 * carrying the last lines git wrote to stderr.
 */
export function runGit(args: string[], options: GitOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: options.env ?? gitEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      if (options.signal?.aborted) reject(options.signal.reason);
      else reject(new GitError(`git ${args[0]} could not run: ${error.message}`));
    });
    child.on('close', (code) => {
      if (options.signal?.aborted) return reject(options.signal.reason);
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const stderr = Buffer.concat(err).toString('utf8');
      const detail = stderr
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length > 0)
        .slice(-3)
        .join(' | ');
      reject(new GitError(`git ${args[0]} failed (exit ${code}): ${detail || 'no message'}`, stderr));
    });
  });
}

/** The environment git runs with: no prompts, only the transports the runner supports. */
export function gitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('POLYTENE_') && !key.startsWith('GIT_')) env[key] = value;
  }
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ALLOW_PROTOCOL: 'file:http:https:ssh',
    LC_ALL: 'C',
    ...extra,
  };
}
