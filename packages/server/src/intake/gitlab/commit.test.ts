import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { insertUser, login, useTestServer, TEST_PASSWORD } from '../../test-support/server.js';
import { insertProject } from '../../test-support/fixtures.js';
import type { Project } from '../../db/schema.js';

type Payload = Record<string, unknown>;
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Payload;

const server = useTestServer();
let project: Project;
let secret: string;
beforeAll(async () => {
  const admin = await insertUser(server, { login: 'commit-admin', role: 'admin' });
  ({ project, webhookSecret: secret } = await insertProject(server, { owner_id: admin.id }));
});

function deliver(payload: unknown, event = 'Pipeline Hook') {
  return server.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${project.id}/hooks/gitlab`,
    headers: {
      'content-type': 'application/json',
      'x-gitlab-token': secret,
      'x-gitlab-event': event,
      'idempotency-key': randomUUID(),
    },
    payload: JSON.stringify(payload),
  });
}

function pipelineWith(id: number, change: (payload: Payload) => void): Payload {
  const payload = fixture('pipeline-success');
  payload.object_attributes = { ...(payload.object_attributes as object), id, status: 'running' };
  change(payload);
  return payload;
}

async function commitColumns(buildId: number) {
  return server.ctx.db
    .selectFrom('builds')
    .select([
      'commit_title',
      'commit_author_name',
      'commit_author_email',
      'commit_url',
      'pipeline_url',
      'committed_at',
    ])
    .where('id', '=', buildId)
    .executeTakeFirstOrThrow();
}

describe('GitLab intake: commit context', () => {
  it('stores the commit and pipeline of the documented Pipeline Hook and shows them in the build view', async () => {
    const res = await deliver(fixture('pipeline-success'));
    expect(res.statusCode).toBe(200);
    const buildId = res.json().build_id as number;
    expect(await commitColumns(buildId)).toEqual({
      commit_title: 'test',
      commit_author_name: 'User',
      commit_author_email: 'user@gitlab.com',
      commit_url: 'http://example.com/gitlab-org/gitlab-test/commit/bcbb5ec396a2c0f828686f14fac9b80b780504f2',
      pipeline_url: 'http://example.com/gitlab-org/gitlab-test/-/pipelines/31',
      committed_at: new Date('2016-08-12T15:23:21.000Z'),
    });
    const headers = await login(server, 'commit-admin', TEST_PASSWORD);
    const view = await server.app.inject({ url: `/api/v1/builds/${buildId}`, headers });
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({
      commit: {
        title: 'test',
        author_name: 'User',
        author_email: 'user@gitlab.com',
        committed_at: '2016-08-12T15:23:21.000Z',
      },
      pipeline_url: 'http://example.com/gitlab-org/gitlab-test/-/pipelines/31',
    });
  });

  it('prefers commit.title of newer GitLab and keeps what an earlier event gave when a later one lacks it', async () => {
    const first = await deliver(
      pipelineWith(501, (p) => {
        p.commit = {
          ...(p.commit as object),
          title: 'Add the checkout page',
          message: 'Add the checkout page\n\nLong text',
        };
      }),
    );
    const buildId = first.json().build_id as number;
    expect((await commitColumns(buildId)).commit_title).toBe('Add the checkout page');
    const later = pipelineWith(501, (p) => {
      delete p.commit;
      (p.object_attributes as Payload).status = 'success';
    });
    expect((await deliver(later)).json()).toMatchObject({ build_id: buildId, status: 'success' });
    expect(await commitColumns(buildId)).toMatchObject({
      commit_title: 'Add the checkout page',
      commit_author_name: 'User',
      pipeline_url: 'http://example.com/gitlab-org/gitlab-test/-/pipelines/31',
    });
  });

  it('records the build with the odd parts left empty: a link that is not http(s), an unreadable time', async () => {
    const res = await deliver(
      pipelineWith(502, (p) => {
        p.commit = { message: 42, url: 'javascript:alert(1)', timestamp: 'soon', author: 'someone' };
        (p.object_attributes as Payload).url = 'ftp://example.com/pipelines/502';
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(await commitColumns(res.json().build_id as number)).toEqual({
      commit_title: null,
      commit_author_name: null,
      commit_author_email: null,
      commit_url: null,
      pipeline_url: null,
      committed_at: null,
    });
  });

  it("fills from the documented Job Hook only what its pipeline's build lacks", async () => {
    const job = fixture('job');
    const pipeline = pipelineWith(2366, (p) => {
      delete p.commit;
      delete (p.object_attributes as Payload).url;
      (p.object_attributes as Payload).sha = job.sha;
    });
    const buildId = (await deliver(pipeline)).json().build_id as number;
    const res = await deliver(job, 'Job Hook');
    expect(res.json()).toMatchObject({ kind: 'job', job_id: 1977 });
    expect(await commitColumns(buildId)).toEqual({
      commit_title: 'test',
      commit_author_name: 'User',
      commit_author_email: 'user@gitlab.com',
      commit_url:
        'http://192.168.64.1:3005/gitlab-org/gitlab-test/-/commit/2293ada6b400935a1378653304eaf6221e0fdb8f',
      pipeline_url: 'http://192.168.64.1:3005/gitlab-org/gitlab-test/-/pipelines/2366',
      committed_at: null,
    });
    const other = {
      ...job,
      commit: { ...(job.commit as object), message: 'Another title', author_name: 'Other' },
    };
    await deliver(other, 'Job Hook');
    expect(await commitColumns(buildId)).toMatchObject({ commit_title: 'test', commit_author_name: 'User' });
  });
});
