import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { MIGRATIONS_DIR, migrateToLatest } from '../db/migrate.js';
import { withDatabase } from './global-setup.js';

export interface MigrationTestDb {
  handle: DatabaseHandle;
  /** Applies `migration` (and nothing after it); answers the names it ran. */
  apply(): Promise<string[]>;
}

async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(text);
  await admin.end();
}

/**
 * A database of its own migrated up to just before `migration` (a file name in db/migrations), for a
 * test to fill with rows in the old shape and then apply the migration to. Dropped after the file.
 */
export function useDatabaseBefore(migration: string): MigrationTestDb {
  const name = `polytene_mig_${randomBytes(4).toString('hex')}`;
  const state = {} as MigrationTestDb & { dir: string };
  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE ${name}`);
    state.dir = await mkdtemp(path.join(os.tmpdir(), 'polytene-migrations-'));
    for (const file of (await readdir(MIGRATIONS_DIR)).sort()) {
      if (file.endsWith('.sql') && file < migration)
        await copyFile(path.join(MIGRATIONS_DIR, file), path.join(state.dir, file));
    }
    state.handle = openDatabase(withDatabase(inject('pgAdminUrl'), name), 2);
    await migrateToLatest(state.handle.db, state.dir);
    state.apply = async () => {
      await copyFile(path.join(MIGRATIONS_DIR, migration), path.join(state.dir, migration));
      return migrateToLatest(state.handle.db, state.dir);
    };
  });
  afterAll(async () => {
    await state.handle?.close();
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await rm(state.dir, { recursive: true, force: true });
  });
  return state;
}
