import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../packages/server/src/db/embedded.js';

const MAIN = path.resolve('packages/server/dist/main.js');

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** `detached`: the server leads a process group of its own (with the embedded PostgreSQL), as in a terminal. */
async function startServer(dataDir: string, port: number, detached = false): Promise<Started> {
  const child = spawn(process.execPath, [MAIN], {
    detached,
    env: {
      ...process.env,
      POLYTENE_DATA_DIR: dataDir,
      POLYTENE_PORT: String(port),
      POLYTENE_LOCAL_RUNNER: 'false',
      POLYTENE_LOG_LEVEL: 'warn',
      POLYTENE_DATABASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    child.stdout?.on('data', () => {
      if (output.includes('Polytene is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

async function loginCookie(
  url: string,
  password: string,
): Promise<{ status: number; cookie: string; csrf: string }> {
  const res = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password }),
  });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const body = (await res.json()) as { csrf_token?: string };
  return { status: res.status, cookie, csrf: body.csrf_token ?? '' };
}

function postmasterAlive(pidFile: string): Promise<boolean> {
  return readFile(pidFile, 'utf8').then(
    (text) => {
      try {
        process.kill(Number(text.split('\n')[0]), 0);
        return true;
      } catch {
        return false;
      }
    },
    () => false,
  );
}

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'polytene-lifecycle-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start with the embedded database', () => {
  it(
    'keeps committed data across kill -9 and stops PostgreSQL on SIGTERM',
    { timeout: 180_000 },
    async () => {
      const port = await findFreePort();
      const first = await startServer(dataDir, port);
      expect(first.output()).toContain('admin / AlaMaKota2!');
      const session = await loginCookie(first.url, 'AlaMaKota2!');
      expect(session.status).toBe(200);
      const change = await fetch(`${first.url}/api/v1/user/password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrf },
        body: JSON.stringify({ current_password: 'AlaMaKota2!', new_password: 'Lifecycle-Passw0rd' }),
      });
      expect(change.status).toBe(204);

      first.child.kill('SIGKILL');
      await exited(first.child);
      const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
      expect(await postmasterAlive(pidFile)).toBe(true);

      const second = await startServer(dataDir, port);
      expect(second.output()).not.toContain('AlaMaKota2!');
      expect((await loginCookie(second.url, 'AlaMaKota2!')).status).toBe(401);
      expect((await loginCookie(second.url, 'Lifecycle-Passw0rd')).status).toBe(200);

      second.child.kill('SIGTERM');
      expect(await exited(second.child)).toBe(0);
      expect(existsSync(pidFile)).toBe(false);
    },
  );

  it(
    'stops cleanly on Ctrl-C, which reaches the embedded PostgreSQL at the same moment',
    { timeout: 180_000 },
    async () => {
      const port = await findFreePort();
      const server = await startServer(dataDir, port, true);
      await new Promise((r) => setTimeout(r, 1_000));
      // A terminal's Ctrl-C: SIGINT to the whole foreground process group.
      process.kill(-server.child.pid!, 'SIGINT');
      expect(await exited(server.child)).toBe(0);
      expect(server.output()).not.toMatch(/error|\n\s+at /i);
      expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    },
  );
});
