import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../packages/server/src/db/embedded.js';
import { ensureBuilt } from './ui-support.js';

/**
 * `git clone ... /root/polytene && npm install && npm start` as root: the embedded PostgreSQL runs as the
 * `postgres` OS user, which can enter neither /root (0700) nor anything under it — its binaries in
 * node_modules included. The checkout is simulated by hard-linking the built repository into a 0700
 * directory, so every path the server resolves (data, node_modules, PostgreSQL binaries) lies under it.
 */
const isRoot = process.getuid?.() === 0;
const ROOT = path.resolve('.');
const NEW_PASSWORD = 'Private-Home-Passw0rd!';

if (!isRoot)
  console.warn(
    'start-private-home: skipped, it needs root (the embedded PostgreSQL runs as postgres only then)',
  );

let home: string;
let checkout: string;
let port: number;
let clusterDir: string | null = null;
let server: { child: ChildProcess; output: () => string; exited: Promise<number | null> } | null = null;

function linkCopy(relative: string): void {
  const from = path.join(ROOT, relative);
  if (!existsSync(from)) return;
  const to = path.join(checkout, relative);
  execFileSync('mkdir', ['-p', path.dirname(to)]);
  execFileSync('cp', ['-al', from, to]);
}

async function startServer(): Promise<{
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('POLYTENE_')) delete env[name];
  const child = spawn(process.execPath, ['packages/server/dist/main.js'], {
    cwd: checkout,
    env: { ...env, POLYTENE_PORT: String(port), POLYTENE_LOCAL_RUNNER: 'false', POLYTENE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = { child, output: () => output, exited };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 90_000);
    child.stdout!.on('data', () => {
      if (!output.includes('Press Ctrl-C to stop.')) return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return started;
}

async function stopServer(): Promise<number | null> {
  if (!server) return null;
  const { child, exited } = server;
  server = null;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  return exited;
}

async function login(password: string): Promise<{ status: number; cookie: string; csrf: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/session`, {
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

describe.skipIf(!isRoot)('npm start as root from a private home directory (/root/polytene)', () => {
  beforeAll(async () => {
    ensureBuilt();
    home = await mkdtemp(path.join(os.tmpdir(), 'polytene-private-home-'));
    await chmod(home, 0o700);
    checkout = path.join(home, 'polytene');
    await mkdir(checkout);
    for (const file of ['package.json', 'node_modules']) linkCopy(file);
    for (const pkg of ['protocol', 'server', 'runner', 'web']) {
      for (const part of ['package.json', 'dist', 'src', 'node_modules'])
        linkCopy(path.join('packages', pkg, part));
    }
    port = await findFreePort();
  }, 120_000);

  afterAll(async () => {
    await stopServer();
    // the cluster is noted in the data dir even when the test failed before reading where it is
    const pointer = checkout && path.join(checkout, 'data', 'postgres-location');
    if (!clusterDir && pointer && existsSync(pointer)) clusterDir = readFileSync(pointer, 'utf8').trim();
    if (home) await rm(home, { recursive: true, force: true });
    if (clusterDir) await rm(clusterDir, { recursive: true, force: true });
  });

  it('starts, says where the database lives, and serves', async () => {
    server = await startServer();
    const output = server.output();
    expect(output).not.toMatch(/\n\s+at /);
    const where = /database: embedded PostgreSQL in (\S+)/.exec(output);
    expect(where, output).not.toBeNull();
    clusterDir = where![1]!;
    expect(clusterDir.startsWith(home)).toBe(false);
    expect(existsSync(path.join(clusterDir, 'PG_VERSION'))).toBe(true);
    expect(statSync(clusterDir).uid).not.toBe(0);
    expect(output).toContain('first login: admin');
    // PostgreSQL itself runs from a copy of its binaries outside the private directory
    const postmasterPid = readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]!;
    expect(readlinkSync(`/proc/${postmasterPid}/exe`).startsWith(home)).toBe(false);
    const health = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
    expect(health.status).toBe(200);

    const session = await login('AlaMaKota2!');
    expect(session.status).toBe(200);
    const changed = await fetch(`http://127.0.0.1:${port}/api/v1/user/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrf },
      body: JSON.stringify({ current_password: 'AlaMaKota2!', new_password: NEW_PASSWORD }),
    });
    expect(changed.status).toBe(204);
    expect(await stopServer()).toBe(0);
  }, 120_000);

  it('finds the same database when started again from the same checkout', async () => {
    server = await startServer();
    const output = server.output();
    expect(output).toContain(`database: embedded PostgreSQL in ${clusterDir}`);
    expect(output).not.toContain('first login');
    expect((await login(NEW_PASSWORD)).status).toBe(200);
    expect(await stopServer()).toBe(0);
  }, 120_000);
});
