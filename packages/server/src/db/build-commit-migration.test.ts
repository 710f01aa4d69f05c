import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from '../test-support/migration-db.js';

const MIGRATION = '0014_build_commit.sql';
const database = useDatabaseBefore(MIGRATION);

const documented = JSON.parse(
  readFileSync(new URL('../intake/gitlab/fixtures/pipeline-success.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

describe(`migration ${MIGRATION}`, () => {
  it('fills the commit context of existing GitLab builds from their stored Pipeline Hook, and only theirs', async () => {
    const db = database.handle.db;
    const { rows } = await sql<{ id: string }>`
      INSERT INTO projects (name, clone_url, webhook_secret_encrypted, webhook_secret_hash)
      VALUES ('app', 'git@example.test:app.git', 'enc', ${randomBytes(8).toString('hex')}) RETURNING id`.execute(
      db,
    );
    const projectId = Number(rows[0]!.id);
    const build = async (source: string, externalId: string, payload: unknown) => {
      const inserted = await sql<{ id: string }>`
        INSERT INTO builds (project_id, source, external_id, status, ref, sha, payload)
        VALUES (${projectId}, ${source}, ${externalId}, 'success', 'master', ${'a'.repeat(40)},
          ${JSON.stringify(payload)}::jsonb) RETURNING id`.execute(db);
      return Number(inserted.rows[0]!.id);
    };
    const gitlab = await build('gitlab_pipeline', '31', documented);
    const odd = await build('gitlab_pipeline', '32', {
      object_attributes: { url: 'javascript:alert(1)' },
      commit: { title: 'Newer GitLab title', message: 'ignored', timestamp: '2016-13-45T99:00:00Z', url: 7 },
    });
    const generic = await build('generic', 'g-1', documented);

    expect(await database.apply()).toEqual([MIGRATION.replace(/\.sql$/, '')]);

    const stored = await db
      .selectFrom('builds')
      .select([
        'id',
        'commit_title',
        'commit_author_name',
        'commit_author_email',
        'commit_url',
        'pipeline_url',
        'committed_at',
      ])
      .orderBy('id')
      .execute();
    expect(stored).toEqual([
      {
        id: gitlab,
        commit_title: 'test',
        commit_author_name: 'User',
        commit_author_email: 'user@gitlab.com',
        commit_url:
          'http://example.com/gitlab-org/gitlab-test/commit/bcbb5ec396a2c0f828686f14fac9b80b780504f2',
        pipeline_url: 'http://example.com/gitlab-org/gitlab-test/-/pipelines/31',
        committed_at: new Date('2016-08-12T15:23:21.000Z'),
      },
      {
        id: odd,
        commit_title: 'Newer GitLab title',
        commit_author_name: null,
        commit_author_email: null,
        commit_url: null,
        pipeline_url: null,
        committed_at: null,
      },
      {
        id: generic,
        commit_title: null,
        commit_author_name: null,
        commit_author_email: null,
        commit_url: null,
        pipeline_url: null,
        committed_at: null,
      },
    ]);
  });
});
