import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from '../test-support/migration-db.js';

const MIGRATION = '0018_hold_rollback.sql';
const database = useDatabaseBefore(MIGRATION);

describe(`migration ${MIGRATION}`, () => {
  it('marks existing deployments of a build older than the one live before them as rollbacks', async () => {
    const db = database.handle.db;
    const { rows } = await sql<{ id: string }>`
      INSERT INTO projects (name, clone_url, webhook_secret_encrypted, webhook_secret_hash)
      VALUES ('app', 'git@example.test:app.git', 'enc', ${randomBytes(8).toString('hex')}) RETURNING id`.execute(
      db,
    );
    const projectId = Number(rows[0]!.id);
    const build = async () => {
      const inserted = await sql<{ id: string }>`
        INSERT INTO builds (project_id, source, status, ref, sha)
        VALUES (${projectId}, 'api', 'success', 'main', ${'a'.repeat(40)}) RETURNING id`.execute(db);
      return Number(inserted.rows[0]!.id);
    };
    const deploy = async (buildId: number, environment: string, status: string) => {
      const inserted = await sql<{ id: string }>`
        INSERT INTO deployments (build_id, project_id, environment, status, failure_reason, trigger,
          branch_name, script, artifacts_dir, timeout_seconds)
        VALUES (${buildId}, ${projectId}, ${environment}, ${status},
          ${status === 'failed' ? 'script_failure' : null}, 'user', 'main', 'true', '.', 60)
        RETURNING id`.execute(db);
      return Number(inserted.rows[0]!.id);
    };
    const [b1, b2, b3] = [await build(), await build(), await build()];
    const first = await deploy(b1, 'production', 'succeeded');
    const second = await deploy(b3, 'production', 'succeeded');
    const back = await deploy(b2, 'production', 'succeeded'); // older than b3, live before it
    const failedForward = await deploy(b3, 'production', 'failed'); // newer than b2: not a rollback
    const elsewhere = await deploy(b1, 'qa', 'succeeded'); // nothing live in qa before it

    await database.apply();

    const marked = await db.selectFrom('deployments').select(['id', 'rollback']).orderBy('id').execute();
    expect(marked).toEqual([
      { id: first, rollback: false },
      { id: second, rollback: false },
      { id: back, rollback: true },
      { id: failedForward, rollback: false },
      { id: elsewhere, rollback: false },
    ]);
    const env = await db.selectFrom('environments').select(['held_at', 'held_by']).execute();
    expect(env.every((e) => e.held_at === null && e.held_by === null)).toBe(true);
  });
});
