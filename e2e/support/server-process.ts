import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../packages/server/src/db/embedded.js';
import { ROOT, SERVER_MAIN, ensureServerBuilt } from './build.js';

/** The secret key every test server process shares, so replicas read each other's secrets. */
export const E2E_SECRET_KEY = 'e2e-secret-key-e2e-secret-key-e2e-secret-key';

export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident memory of the process in bytes (from /proc). */
  rss(): Promise<number>;
  output(): string;
  stop(): Promise<void>;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${url}/api/v1/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become healthy:\n${output()}`);
}

/** Starts `node packages/server/dist/main.js` on a free port against `databaseUrl` and waits until healthy. */
export async function startServerProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  ensureServerBuilt();
  const port = await findFreePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'polytene-e2e-'));
  const child = spawn(process.execPath, [...nodeArgs, SERVER_MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      POLYTENE_HOST: '127.0.0.1',
      POLYTENE_PORT: String(port),
      POLYTENE_DATABASE_URL: databaseUrl,
      POLYTENE_DATA_DIR: dataDir,
      POLYTENE_SECRET_KEY: E2E_SECRET_KEY,
      POLYTENE_LOCAL_RUNNER: 'false',
      POLYTENE_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    pid: child.pid!,
    output: () => log,
    stop,
    rss: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return kb * 1024;
    },
  };
}
