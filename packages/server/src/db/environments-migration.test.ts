import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from '../test-support/migration-db.js';

const MIGRATION = '0013_environments.sql';
const database = useDatabaseBefore(MIGRATION);

describe('migration 0013', () => {
  it("turns each project's environment names into environments that branch configs and deployments point at", async () => {
    const { db } = database.handle;
    await sql`INSERT INTO projects (id, name, clone_url, webhook_secret_encrypted, webhook_secret_hash)
      VALUES (1, 'shop', 'git@example.test:shop.git', 'x', 'h1'), (2, 'blog', 'git@example.test:blog.git', 'x', 'h2')`.execute(
      db,
    );
    await sql`INSERT INTO branch_configs (id, project_id, branch_name, environment)
      VALUES (1, 1, 'main', 'production'), (2, 1, 'develop', 'qa'), (3, 2, 'main', 'production')`.execute(db);
    await sql`INSERT INTO builds (id, project_id, source, status, ref, sha)
      VALUES (1, 1, 'api', 'success', 'main', 'abc')`.execute(db);
    await sql`INSERT INTO deployments (build_id, project_id, branch_config_id, environment, status, trigger,
        branch_name, script, artifacts_dir, timeout_seconds)
      VALUES (1, 1, 1, 'production', 'succeeded', 'user', 'main', 'x', 'p', 60),
             (1, 1, NULL, 'old-demo', 'canceled', 'user', 'main', 'x', 'p', 60)`.execute(db);

    expect(await database.apply()).toEqual(['0013_environments']);

    const envs = await db
      .selectFrom('environments')
      .select(['id', 'project_id', 'name', 'position'])
      .orderBy('project_id')
      .orderBy('position')
      .execute();
    expect(envs.map((e) => [e.project_id, e.name, e.position])).toEqual([
      [1, 'qa', 20],
      [1, 'old-demo', 30],
      [1, 'production', 50],
      [2, 'production', 50],
    ]);
    const idOf = (project: number, env: string) =>
      envs.find((e) => e.project_id === project && e.name === env)?.id;
    const branches = await db
      .selectFrom('branch_configs')
      .select(['id', 'environment_id'])
      .orderBy('id')
      .execute();
    expect(branches.map((b) => b.environment_id)).toEqual([
      idOf(1, 'production'),
      idOf(1, 'qa'),
      idOf(2, 'production'),
    ]);
    const deployments = await db.selectFrom('deployments').select(['environment_id']).orderBy('id').execute();
    expect(deployments.map((d) => d.environment_id)).toEqual([idOf(1, 'production'), idOf(1, 'old-demo')]);
  });

  it('keeps names and ids in step: a new name creates the environment, a rename reaches every row', async () => {
    const { db } = database.handle;
    const created = await db
      .insertInto('branch_configs')
      .values({ id: 4, project_id: 2, branch_name: 'next', environment: 'staging' })
      .returning(['environment_id'])
      .executeTakeFirstOrThrow();
    const staging = await db
      .selectFrom('environments')
      .selectAll()
      .where('id', '=', created.environment_id)
      .executeTakeFirstOrThrow();
    expect([staging.project_id, staging.name, staging.position]).toEqual([2, 'staging', 40]);

    await db
      .updateTable('environments')
      .set({ name: 'live' })
      .where('project_id', '=', 1)
      .where('name', '=', 'production')
      .execute();
    const named = await db
      .selectFrom('deployments')
      .innerJoin('environments', 'environments.id', 'deployments.environment_id')
      .select(['deployments.environment', 'environments.name'])
      .where('deployments.project_id', '=', 1)
      .execute();
    expect(named.every((row) => row.environment === row.name)).toBe(true);
    expect(named.map((row) => row.name).sort()).toEqual(['live', 'old-demo']);
    const main = await db
      .selectFrom('branch_configs')
      .select('environment')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    expect(main.environment).toBe('live');

    const other = await db
      .selectFrom('environments')
      .select('id')
      .where('project_id', '=', 2)
      .where('name', '=', 'production')
      .executeTakeFirstOrThrow();
    await expect(
      db.updateTable('branch_configs').set({ environment_id: other.id }).where('id', '=', 1).execute(),
    ).rejects.toThrow(/is not one of project/);
  });
});
