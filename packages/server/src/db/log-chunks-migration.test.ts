import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from './database.js';
import { MIGRATIONS_DIR, migrateToLatest } from './migrate.js';
import { withDatabase } from '../test-support/global-setup.js';
import { logText, readLines } from '../logs/store.js';

let name: string;
let database: DatabaseHandle;
let before: string;

const STREAMS = ['stdout', 'stderr', 'system'] as const;
const t0 = Date.parse('2024-05-01T12:00:00.000Z');
/** Deployment 7: 12,001 lines with a gap at 100-199 and text that needs care; deployment 8: three lines. */
const old = [
  ...Array.from({ length: 12_100 }, (_, i) => i + 1)
    .filter((n) => n < 100 || n >= 200)
    .map((n) => ({
      deployment_id: 7,
      n,
      stream: STREAMS[n % 3]!,
      t: new Date(t0 + n * 7),
      text: n === 1 ? 'zażółć, tab\there: 12,3:4' : n === 2 ? '' : `line ${n}`,
    })),
  ...[1, 2, 3].map((n) => ({ deployment_id: 8, n, stream: 'stdout', t: new Date(t0), text: `other ${n}` })),
];

beforeAll(async () => {
  name = `polytene_migrate_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  database = openDatabase(withDatabase(inject('pgAdminUrl'), name), 2);
  before = await mkdtemp(path.join(os.tmpdir(), 'polytene-migrations-'));
  for (const file of await readdir(MIGRATIONS_DIR)) {
    if (file < '0010') await cp(path.join(MIGRATIONS_DIR, file), path.join(before, file));
  }
});

afterAll(async () => {
  await database.close();
  await rm(before, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe('migration 0010', () => {
  it('turns the old log_lines rows into chunks that read the same, in order, and drops log_lines', async () => {
    const { db } = database;
    await migrateToLatest(db, before);
    for (let i = 0; i < old.length; i += 2000) {
      const rows = old.slice(i, i + 2000);
      await sql`INSERT INTO log_lines (deployment_id, n, stream, t, text)
        SELECT * FROM unnest(${rows.map((r) => r.deployment_id)}::bigint[], ${rows.map((r) => r.n)}::int[],
          ${rows.map((r) => r.stream)}::text[], ${rows.map((r) => r.t.toISOString())}::timestamptz[],
          ${rows.map((r) => r.text)}::text[])`.execute(db);
    }
    expect((await migrateToLatest(db))[0]).toBe('0010_log_chunks');

    const chunks = await db
      .selectFrom('log_chunks')
      .select(['deployment_id', 'first_n', 'last_n', 'lines', 'bytes', 'part'])
      .orderBy('deployment_id')
      .orderBy('last_n')
      .execute();
    expect(chunks.map((c) => [c.deployment_id, c.first_n, c.last_n, c.lines, c.part])).toEqual([
      [7, 1, 5100, 5000, 0],
      [7, 5101, 10_100, 5000, 0],
      [7, 10_101, 12_100, 2000, 0],
      [8, 1, 3, 3, 0],
    ]);
    const expected = (id: number) =>
      old
        .filter((r) => r.deployment_id === id)
        .map((r) => ({ n: r.n, stream: r.stream, t: r.t.toISOString(), text: r.text }));
    expect(await readLines(db, 7, 0, 20_000)).toEqual(expected(7));
    expect(await readLines(db, 8, 0, 20_000)).toEqual(expected(8));
    expect(await readLines(db, 7, 5099, 3)).toEqual(expected(7).slice(4999, 5002));
    let text = '';
    for await (const part of logText(db, 7)) text += part;
    expect(text).toBe(
      expected(7)
        .map((line) => `${line.text}\n`)
        .join(''),
    );
    const tables = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'log_lines'`.execute(db);
    expect(tables.rows[0]?.n).toBe(0);
  });
});
