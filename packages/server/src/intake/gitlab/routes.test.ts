import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../../test-support/server.js';
import { insertBranchConfig, insertProject } from '../../test-support/fixtures.js';
import type { Project } from '../../db/schema.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

function pipeline(changes: { id?: number; status?: string; ref?: string; tag?: boolean; sha?: string }) {
  const payload = fixture('pipeline-success');
  payload.object_attributes = { ...(payload.object_attributes as object), ...changes };
  return payload;
}

const server = useTestServer();
let project: Project;
let secret: string;
beforeAll(async () => {
  ({ project, webhookSecret: secret } = await insertProject(server));
  await insertBranchConfig(server, {
    project_id: project.id,
    branch_name: 'master',
    deployment_type: 'auto',
  });
});

function deliver(
  payload: unknown,
  headers: Record<string, string> = {},
  options: { raw?: string; url?: string } = {},
) {
  return server.app.inject({
    method: 'POST',
    url: options.url ?? `/api/v1/projects/${project.id}/hooks/gitlab`,
    headers: {
      'content-type': 'application/json',
      'x-gitlab-token': secret,
      'x-gitlab-event': 'Pipeline Hook',
      'idempotency-key': randomUUID(),
      ...headers,
    },
    payload: options.raw ?? JSON.stringify(payload),
  });
}

async function deploymentsOfBuild(buildId: number) {
  return server.ctx.db.selectFrom('deployments').selectAll().where('build_id', '=', buildId).execute();
}

describe('GitLab webhook intake', () => {
  it('records the documented pipeline success payload as a build and auto-deploys it once', async () => {
    const res = await deliver(fixture('pipeline-success'));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ kind: 'pipeline', created: true, status: 'success' });
    expect(body.deployment_id).toEqual(expect.any(Number));
    const build = await server.ctx.db
      .selectFrom('builds')
      .selectAll()
      .where('id', '=', body.build_id)
      .executeTakeFirstOrThrow();
    expect(build).toMatchObject({
      source: 'gitlab_pipeline',
      external_id: '31',
      ref: 'master',
      is_tag: false,
      sha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
    });
    expect(build.started_at?.toISOString()).toBe('2016-08-12T15:23:28.000Z');
    expect((build.payload as { object_attributes: { url: string } }).object_attributes.url).toContain(
      '/pipelines/31',
    );
    const again = await deliver(fixture('pipeline-success'));
    expect(again.json()).toMatchObject({ created: false, deployment_id: null });
    expect(await deploymentsOfBuild(body.build_id)).toHaveLength(1);
  });

  it('accepts a pipeline payload with fields newer GitLab versions add, at the top and nested', async () => {
    const payload = fixture('pipeline-newer-fields');
    const res = await deliver(payload);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'pipeline', created: true, status: 'success' });
    expect(res.json().deployment_id).toEqual(expect.any(Number));
    const build = await server.ctx.db
      .selectFrom('builds')
      .selectAll()
      .where('id', '=', res.json().build_id)
      .executeTakeFirstOrThrow();
    expect(build).toMatchObject({ external_id: '4242', ref: 'master', payload });
  });

  it('creates the build while running and deploys only when the pipeline succeeds', async () => {
    const running = await deliver(pipeline({ id: 40, status: 'running' }));
    expect(running.json()).toMatchObject({ created: true, status: 'running', deployment_id: null });
    const success = await deliver(pipeline({ id: 40, status: 'success' }));
    expect(success.json()).toMatchObject({ created: false, status: 'success' });
    expect(success.json().build_id).toBe(running.json().build_id);
    expect(await deploymentsOfBuild(running.json().build_id)).toHaveLength(1);
  });

  it('stores a failed pipeline without deploying it', async () => {
    const res = await deliver(pipeline({ id: 41, status: 'failed' }));
    expect(res.json()).toMatchObject({ status: 'failed', deployment_id: null });
  });

  it('records a tag pipeline as a tag that no branch config deploys', async () => {
    const res = await deliver(pipeline({ id: 42, ref: 'master', tag: true }));
    expect(res.statusCode).toBe(200);
    const build = await server.ctx.db
      .selectFrom('builds')
      .selectAll()
      .where('id', '=', res.json().build_id)
      .executeTakeFirstOrThrow();
    expect(build.is_tag).toBe(true);
    expect(res.json().deployment_id).toBeNull();
  });

  it('answers a duplicate delivery (same Idempotency-Key) as before without doing it again', async () => {
    const key = randomUUID();
    const first = await deliver(pipeline({ id: 43, status: 'success' }), { 'idempotency-key': key });
    const second = await deliver(pipeline({ id: 43, status: 'success' }), { 'idempotency-key': key });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ ...first.json(), duplicate: true });
  });

  it('falls back to X-Gitlab-Event-UUID to find duplicates', async () => {
    const uuid = randomUUID();
    await deliver(pipeline({ id: 44, status: 'running' }), {
      'idempotency-key': '',
      'x-gitlab-event-uuid': uuid,
    });
    const again = await deliver(pipeline({ id: 44, status: 'running' }), {
      'idempotency-key': '',
      'x-gitlab-event-uuid': uuid,
    });
    expect(again.json().duplicate).toBe(true);
  });

  it('stores a Job Hook as job information, not as a build', async () => {
    const res = await deliver(fixture('job'), { 'x-gitlab-event': 'Job Hook' });
    expect(res.json()).toEqual({ kind: 'job', job_id: 1977, status: 'created' });
    const job = await server.ctx.db
      .selectFrom('gitlab_job_events')
      .selectAll()
      .where('job_id', '=', 1977)
      .executeTakeFirstOrThrow();
    expect(job).toMatchObject({ project_id: project.id, pipeline_id: 2366, name: 'test' });
  });

  it('stores NUL characters and unpaired surrogates of a payload as U+FFFD instead of failing', async () => {
    const job = {
      ...fixture('job'),
      build_id: 1978,
      build_name: 'te\u0000st',
      commit: { message: 'a\ud800b' },
    };
    const res = await deliver(job, { 'x-gitlab-event': 'Job Hook' });
    expect(res.statusCode, res.body).toBe(200);
    const stored = await server.ctx.db
      .selectFrom('gitlab_job_events')
      .selectAll()
      .where('job_id', '=', 1978)
      .executeTakeFirstOrThrow();
    expect(stored.name).toBe('te\uFFFDst');
    expect(stored.payload).toMatchObject({ commit: { message: 'a\uFFFDb' } });
    const withNul = pipeline({ id: 4243 });
    withNul.user = { name: 'Ad\u0000min' };
    const built = await deliver(withNul);
    expect(built.statusCode, built.body).toBe(200);
  });

  it('answers other events 200 with the reason they are ignored', async () => {
    for (const [name, event] of [
      ['push', 'Push Hook'],
      ['deployment', 'Deployment Hook'],
    ] as const) {
      const res = await deliver(fixture(name), { 'x-gitlab-event': event });
      expect(res.statusCode).toBe(200);
      expect(res.json().ignored).toContain(event);
    }
  });

  it('refuses a wrong or missing token with 401 and stores nothing', async () => {
    const before = await server.ctx.db.selectFrom('builds').select('id').execute();
    expect((await deliver(pipeline({ id: 50 }), { 'x-gitlab-token': 'wrong' })).statusCode).toBe(401);
    const missing = await server.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project.id}/hooks/gitlab`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(pipeline({ id: 51 })),
    });
    expect(missing.statusCode).toBe(401);
    expect(await server.ctx.db.selectFrom('builds').select('id').execute()).toHaveLength(before.length);
  });

  it('refuses a body that is not JSON with 415 and a truncated one with 400', async () => {
    const form = await deliver(null, { 'content-type': 'application/x-www-form-urlencoded' }, { raw: 'a=b' });
    expect(form.statusCode).toBe(415);
    const text = await deliver(null, { 'content-type': 'text/plain' }, { raw: '{}' });
    expect(text.statusCode).toBe(415);
    const truncated = await deliver(
      null,
      {},
      { raw: JSON.stringify(fixture('pipeline-success')).slice(0, 300) },
    );
    expect(truncated.statusCode).toBe(400);
    expect(truncated.json().error.code).toBe('INVALID_JSON');
  });

  it('names the field when a pipeline payload lacks what Polytene needs', async () => {
    const payload = pipeline({ id: 52 });
    delete (payload.object_attributes as Record<string, unknown>).sha;
    const res = await deliver(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('object_attributes');
    const status = await deliver(pipeline({ id: 53, status: 'exploded' }));
    expect(status.statusCode).toBe(400);
    expect(status.json().error.details[0].field).toBe('object_attributes.status');
  });

  it('accepts a large payload within the limit and refuses 30 MB with 413', async () => {
    const large = pipeline({ id: 54, status: 'running' });
    large.padding = 'x'.repeat(5 * 1024 * 1024);
    const ok = await deliver(large);
    expect(ok.statusCode).toBe(200);
    const huge = pipeline({ id: 55 });
    huge.padding = 'x'.repeat(30 * 1024 * 1024);
    const started = Date.now();
    const res = await deliver(huge);
    expect(res.statusCode).toBe(413);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers 404 for an unknown project', async () => {
    expect(
      (await deliver(pipeline({}), {}, { url: '/api/v1/projects/999999/hooks/gitlab' })).statusCode,
    ).toBe(404);
  });
});
