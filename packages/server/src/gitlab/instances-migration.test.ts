import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { MIGRATIONS_DIR, migrateToLatest } from '../db/migrate.js';
import { withDatabase } from '../test-support/global-setup.js';

const MIGRATION = '0008_gitlab_instances.sql';
let name: string;
let dir: string;
let database: DatabaseHandle;

/** The migrations before 0008 into a directory of their own, so the database can stop just before it. */
async function migrationsBefore(target: string): Promise<void> {
  for (const file of (await readdir(MIGRATIONS_DIR)).sort()) {
    if (file.endsWith('.sql') && file < MIGRATION)
      await copyFile(path.join(MIGRATIONS_DIR, file), path.join(target, file));
  }
}

beforeAll(async () => {
  name = `polytene_mig_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  dir = await mkdtemp(path.join(os.tmpdir(), 'polytene-migrations-'));
  await migrationsBefore(dir);
  database = openDatabase(withDatabase(inject('pgAdminUrl'), name), 2);
  await migrateToLatest(database.db, dir);
});
afterAll(async () => {
  await database.close();
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await rm(dir, { recursive: true, force: true });
});

describe(`migration ${MIGRATION}`, () => {
  it('turns each distinct per-user gitlab_url into an instance named after its host and links every row', async () => {
    const db = database.db;
    const user = async (login: string) => {
      const { rows } = await sql<{ id: string }>`
        INSERT INTO users (login, email, password_hash, role)
        VALUES (${login}, ${`${login}@example.test`}, 'x', 'member') RETURNING id`.execute(db);
      return Number(rows[0]!.id);
    };
    const connection = (userId: number, url: string) =>
      sql`INSERT INTO gitlab_connections (user_id, gitlab_url, token_encrypted, verified_username)
          VALUES (${userId}, ${url}, 'enc', 'someone')`.execute(db);
    const project = (projectName: string, url: string | null, gitlabId: number | null, userId: number) =>
      sql`INSERT INTO projects (name, source, gitlab_url, gitlab_project_id, gitlab_user_id, clone_url,
            owner_id, webhook_secret_encrypted, webhook_secret_hash)
          VALUES (${projectName}, ${url ? 'gitlab' : 'manual'}, ${url}, ${gitlabId}, ${userId},
            'git@example.test:x.git', ${userId}, 'enc', ${randomBytes(8).toString('hex')})`.execute(db);

    const ann = await user('ann');
    const bob = await user('bob');
    const cy = await user('cy');
    const dee = await user('dee');
    await connection(ann, 'https://gitlab.example.com');
    await connection(bob, 'https://gitlab.example.com');
    await connection(cy, 'http://10.0.0.7:8929');
    await connection(dee, 'https://code.example.org/gitlab');
    await project('a/one', 'https://gitlab.example.com', 1, ann);
    await project('c/two', 'http://10.0.0.7:8929', 1, cy);
    // A project whose importer's connection is gone: its URL still becomes an instance.
    await project('e/three', 'https://code.example.org', 5, ann);
    await project('manual', null, null, ann);

    await copyFile(path.join(MIGRATIONS_DIR, MIGRATION), path.join(dir, MIGRATION));
    expect(await migrateToLatest(db, dir)).toEqual([MIGRATION.replace(/\.sql$/, '')]);

    const instances = await db
      .selectFrom('gitlab_instances')
      .select(['id', 'name', 'url'])
      .orderBy('url')
      .execute();
    expect(instances.map(({ name, url }) => ({ name, url }))).toEqual([
      { name: '10.0.0.7:8929', url: 'http://10.0.0.7:8929' },
      { name: 'https://code.example.org', url: 'https://code.example.org' },
      { name: 'https://code.example.org/gitlab', url: 'https://code.example.org/gitlab' },
      { name: 'gitlab.example.com', url: 'https://gitlab.example.com' },
    ]);
    const idOf = (url: string) => instances.find((i) => i.url === url)!.id;

    const connections = await db
      .selectFrom('gitlab_connections')
      .select(['user_id', 'instance_id', 'token_encrypted', 'verified_username'])
      .orderBy('user_id')
      .execute();
    expect(connections).toEqual([
      {
        user_id: ann,
        instance_id: idOf('https://gitlab.example.com'),
        token_encrypted: 'enc',
        verified_username: 'someone',
      },
      {
        user_id: bob,
        instance_id: idOf('https://gitlab.example.com'),
        token_encrypted: 'enc',
        verified_username: 'someone',
      },
      {
        user_id: cy,
        instance_id: idOf('http://10.0.0.7:8929'),
        token_encrypted: 'enc',
        verified_username: 'someone',
      },
      {
        user_id: dee,
        instance_id: idOf('https://code.example.org/gitlab'),
        token_encrypted: 'enc',
        verified_username: 'someone',
      },
    ]);

    const projects = await db
      .selectFrom('projects')
      .select(['name', 'gitlab_url', 'gitlab_instance_id'])
      .orderBy('name')
      .execute();
    expect(projects).toEqual([
      {
        name: 'a/one',
        gitlab_url: 'https://gitlab.example.com',
        gitlab_instance_id: idOf('https://gitlab.example.com'),
      },
      { name: 'c/two', gitlab_url: 'http://10.0.0.7:8929', gitlab_instance_id: idOf('http://10.0.0.7:8929') },
      {
        name: 'e/three',
        gitlab_url: 'https://code.example.org',
        gitlab_instance_id: idOf('https://code.example.org'),
      },
      { name: 'manual', gitlab_url: null, gitlab_instance_id: null },
    ]);
  });
});
