import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded.js';
import { initCluster, startPostmaster } from './postgres-process.js';

/** Binaries PostgreSQL's user cannot run (as under /root, 0700) must end start-up with an error, not a crash. */
const UNREACHABLE = { root: '/nonexistent/embedded-postgres', version: '0' };

describe('PostgreSQL programs that cannot be run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'polytene-pg-process-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('initdb rejects with the program and the reason', async () => {
    await expect(initCluster(UNREACHABLE, dir, 'password', null)).rejects.toThrow(
      /^cannot run \/nonexistent\/embedded-postgres\/bin\/initdb: spawn .* ENOENT$/,
    );
  });

  it('postgres rejects with the program and the reason', async () => {
    await expect(startPostmaster(UNREACHABLE, dir, 5432, [], null, () => undefined)).rejects.toThrow(
      /^cannot run \/nonexistent\/embedded-postgres\/bin\/postgres: spawn .* ENOENT$/,
    );
  });
});

describe('a new embedded cluster', () => {
  let dir: string;
  const saved = { LANG: process.env.LANG, LC_ALL: process.env.LC_ALL, LC_CTYPE: process.env.LC_CTYPE };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'polytene-pg-encoding-'));
    // A container's environment: no locale set at all.
    delete process.env.LANG;
    delete process.env.LC_ALL;
    delete process.env.LC_CTYPE;
  });
  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
    await rm(dir, { recursive: true, force: true });
  });

  it('is UTF-8 even where no locale is set, so text in any language is stored as it is', async () => {
    const database = await startEmbeddedPostgres(dir, 'encoding');
    const client = new pg.Client({ connectionString: database.url });
    try {
      await client.connect();
      const { rows } = await client.query<{ server_encoding: string }>('SHOW server_encoding');
      expect(rows[0]?.server_encoding).toBe('UTF8');
      const echoed = await client.query<{ text: string }>('SELECT $1::text AS text', ['zażółć 🔑']);
      expect(echoed.rows[0]?.text).toBe('zażółć 🔑');
    } finally {
      await client.end();
      await database.stop();
    }
  });
});
