import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { createServer, type RunningServer } from '../server.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embedded.js';
import { SESSION_COOKIE } from '../auth/service.js';
import { DatabaseProbe, PROBE_APPLICATION_NAME } from './database-probe.js';

/**
 * A PostgreSQL of this file's own (never the shared test server): the tests freeze it with SIGSTOP, as
 * a hung host or a stuck storage would, and always let it go on again with SIGCONT.
 */
let dir: string;
let cluster: EmbeddedDatabase;
let server: RunningServer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'polytene-health-'));
  cluster = await startEmbeddedPostgres(path.join(dir, 'pg'), 'polytene');
  const config = parseConfig({
    port: 0,
    dataDir: path.join(dir, 'data'),
    databaseUrl: cluster.url,
    localRunner: false,
    logLevel: 'silent',
    secretKey: 'test-secret-key-test-secret-key-test-secret-key',
  });
  server = await createServer(config, { worker: false });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function postmasterPid(): Promise<number> {
  return Number((await readFile(path.join(cluster.clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

async function childrenOf(parent: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: the command may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === parent) children.push(Number(entry));
  }
  return children;
}

/** SIGSTOPs the postmaster (first, so it forks nothing more) and every process of the cluster. */
async function freezeCluster(): Promise<number[]> {
  const postmaster = await postmasterPid();
  process.kill(postmaster, 'SIGSTOP');
  const stopped = [postmaster];
  try {
    for (const pid of await childrenOf(postmaster)) {
      process.kill(pid, 'SIGSTOP');
      stopped.push(pid);
    }
  } catch (error) {
    thaw(stopped);
    throw error;
  }
  return stopped;
}

function thaw(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // a backend that had already exited
    }
  }
}

/** Runs `test` while the cluster is frozen, and lets the cluster go on whatever happens. */
async function whileFrozen(test: () => Promise<void>): Promise<void> {
  const frozen = await freezeCluster();
  try {
    await test();
  } finally {
    thaw(frozen);
  }
}

const health = (headers: Record<string, string> = {}) =>
  server.app.inject({ method: 'GET', url: '/api/v1/health', headers });

async function timed<T>(work: Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work;
  return { result, ms: Date.now() - started };
}

describe('GET /api/v1/health', () => {
  it('answers 503 within 5 s while PostgreSQL is frozen and 200 once it runs again', async () => {
    const before = await health();
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({ status: 'ok' });

    await whileFrozen(async () => {
      const { result: res, ms } = await timed(health());
      expect(ms).toBeLessThan(5000);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', database: 'did not answer within 2 s' });
      // A browser's session cookie would be looked up in the pool, which hangs: health does not look.
      const { result: withCookie, ms: cookieMs } = await timed(
        health({ cookie: `${SESSION_COOKIE}=a-session-of-someone` }),
      );
      expect(cookieMs).toBeLessThan(5000);
      expect(withCookie.statusCode).toBe(503);
    });

    await expect.poll(async () => (await health()).statusCode, { timeout: 10_000 }).toBe(200);
  }, 60_000);
});

async function probeConnectionsOnServer(): Promise<number> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [PROBE_APPLICATION_NAME],
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

const openSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe('the OpenAPI document', () => {
  it('describes both health answers', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<string, { get?: { responses?: Record<string, unknown> } }>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths['/api/v1/health']?.get?.responses ?? {})).toEqual(['200', '503']);
  });
});

describe('the database probe', () => {
  it('runs one probe at a time: callers meanwhile share it', async () => {
    const first = server.ctx.databaseProbe.check();
    expect(server.ctx.databaseProbe.check()).toBe(first);
    expect(await first).toEqual({ ok: true });
  });

  it('answers at once that a database refusing connections cannot be reached', async () => {
    const probe = new DatabaseProbe('postgres://postgres@127.0.0.1:1/polytene');
    try {
      const { result, ms } = await timed(probe.check());
      expect(result).toEqual({ ok: false, reason: 'cannot be reached' });
      expect(ms).toBeLessThan(2000);
    } finally {
      await probe.close();
    }
  });

  it('leaves no connection behind when PostgreSQL is frozen again and again', async () => {
    expect((await health()).statusCode).toBe(200);
    const socketsBefore = openSockets();
    for (let round = 0; round < 3; round++) {
      await whileFrozen(async () => {
        const answers = await Promise.all([health(), health(), health()]);
        expect(answers.map((res) => res.statusCode)).toEqual([503, 503, 503]);
        expect((await health()).statusCode).toBe(503);
      });
      await expect.poll(async () => (await health()).statusCode, { timeout: 10_000 }).toBe(200);
    }
    expect(openSockets()).toBeLessThanOrEqual(socketsBefore);
    // The connections given up on end on the server once it runs again; the one kept stays.
    await expect.poll(probeConnectionsOnServer, { timeout: 10_000 }).toBe(1);
  }, 60_000);
});
