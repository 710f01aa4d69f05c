import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../../test-support/server.js';
import { insertBranchConfig, insertProject, randomSha } from '../../test-support/fixtures.js';
import type { Project } from '../../db/schema.js';

const load = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const fixture = load('build-success');

const server = useTestServer();
let project: Project;
let secret: string;

beforeAll(async () => {
  ({ project, webhookSecret: secret } = await insertProject(server));
  await insertBranchConfig(server, { project_id: project.id, branch_name: 'main', deployment_type: 'auto' });
});

function post(payload: unknown, token = secret) {
  return server.app.inject({
    method: 'POST',
    url: `/api/v1/builds/${token}/create`,
    payload: payload as object,
  });
}

async function buildCount(): Promise<number> {
  const row = await server.ctx.db
    .selectFrom('builds')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('legacy intake POST /api/v1/builds/:token/create', () => {
  it("stores the seed's payload shape and deploys a successful build of an auto branch", async () => {
    const res = await post(fixture);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.build).toMatchObject({
      source: 'legacy',
      external_id: '4711',
      status: 'success',
      ref: 'main',
      sha: fixture.sha,
      before_sha: '0'.repeat(40),
      started_at: '2016-02-05T13:22:13.000Z',
      finished_at: '2016-02-05T13:25:40.000Z',
      deployment_status: 'queued',
    });
    expect(body.deployment).toMatchObject({ trigger: 'auto', status: 'queued', environment: 'production' });
    const stored = await server.ctx.db
      .selectFrom('builds')
      .select('payload')
      .where('id', '=', body.build.id)
      .executeTakeFirstOrThrow();
    expect(stored.payload).toEqual(fixture);
  });

  it('accepts the whole build hook GitLab CI 8.0 sends and deploys it on an auto branch', async () => {
    const ci80 = load('gitlab-ci-8.0-build');
    const res = await post(ci80);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().build).toMatchObject({
      source: 'legacy',
      external_id: '2817',
      status: 'success',
      ref: 'main',
      sha: ci80.sha,
      before_sha: ci80.before_sha,
      started_at: '2015-09-22T10:31:12.000Z',
      finished_at: '2015-09-22T10:34:58.000Z',
      deployment_status: 'queued',
    });
    expect(res.json().deployment).toMatchObject({ trigger: 'auto', status: 'queued' });
    const stored = await server.ctx.db
      .selectFrom('builds')
      .select('payload')
      .where('id', '=', res.json().build.id)
      .executeTakeFirstOrThrow();
    expect(stored.payload).toEqual(ci80);
  });

  it('ignores fields it does not know, at the top and inside push_data', async () => {
    const res = await post({
      ...fixture,
      build_id: 'extra-1',
      build_stage: 'test',
      coverage: 97.5,
      runner: { id: 3, description: 'shared' },
      push_data: { ...(fixture.push_data as object), event_name: 'push', ref_protected: true },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().build.external_id).toBe('extra-1');
  });

  it('stores a NUL character in a field it does not read as U+FFFD instead of failing', async () => {
    const res = await post({
      ...fixture,
      build_id: 'nul-1',
      build_name: 'rspec\u0000',
      extra: { 'a\u0000': 'b' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const stored = await server.ctx.db
      .selectFrom('builds')
      .select('payload')
      .where('id', '=', res.json().build.id)
      .executeTakeFirstOrThrow();
    expect(stored.payload).toMatchObject({ build_name: 'rspec\uFFFD', extra: { 'a\uFFFD': 'b' } });
  });

  it('updates the same build when the build id comes again, without a second deployment', async () => {
    const res = await post(fixture);
    expect(res.statusCode).toBe(200);
    expect(res.json().created).toBe(false);
    expect(res.json().deployment).toBeNull();
    const deployments = await server.ctx.db
      .selectFrom('deployments')
      .select('id')
      .where('build_id', '=', res.json().build.id)
      .execute();
    expect(deployments).toHaveLength(1);
  });

  it('maps GitLab status names and offset timestamps', async () => {
    const cases: [string, string][] = [
      ['waiting_for_resource', 'pending'],
      ['preparing', 'pending'],
      ['cancelled', 'canceled'],
      ['manual', 'manual'],
      ['FAILED', 'failed'],
    ];
    for (const [name, status] of cases) {
      const res = await post({
        build_id: `s-${name}`,
        build_status: name,
        build_started_at: '2016-02-05 14:22:13 +0100',
        ref: 'feature/x',
        sha: randomSha(),
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().build.status).toBe(status);
      expect(res.json().build.started_at).toBe('2016-02-05T13:22:13.000Z');
    }
  });

  it('marks a tag push as a tag', async () => {
    const res = await post({
      build_id: 'tag-1',
      build_status: 'success',
      ref: 'v1.0',
      sha: randomSha(),
      push_data: { object_kind: 'tag_push', ref: 'refs/tags/v1.0' },
    });
    expect(res.json().build).toMatchObject({ is_tag: true, ref: 'v1.0', branch_config_id: null });
  });

  it('answers 404 for an unknown token and writes nothing', async () => {
    const before = await buildCount();
    const res = await post({ ...fixture, build_id: 'other' }, 'not-a-project-secret');
    expect(res.statusCode).toBe(404);
    expect(await buildCount()).toBe(before);
  });

  it('refuses bad input naming the field, writing nothing', async () => {
    const before = await buildCount();
    const cases: [unknown, number, string][] = [
      [{ ...fixture, build_id: 'b1', build_status: 'exploded' }, 400, 'build_status'],
      [{ ...fixture, build_id: 'b2', build_started_at: 'yesterday' }, 400, 'build_started_at'],
      [{ ...fixture, build_id: 'b3', ref: 'a..b' }, 400, 'ref'],
      [{ ...fixture, build_id: 'b4', sha: 'xyz' }, 400, 'sha'],
      [{ ...fixture, build_id: 'b5', build_name: 42 }, 400, 'build_name'],
      [{ ...fixture, build_id: 'b6', sha: 12 }, 400, 'sha'],
      [{ ...fixture, build_id: 'b7', build_status: undefined }, 400, 'build_status'],
    ];
    for (const [payload, status, field] of cases) {
      const res = await post(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json().error.details[0].field).toBe(field);
    }
    const malformed = await server.app.inject({
      method: 'POST',
      url: `/api/v1/builds/${secret}/create`,
      headers: { 'content-type': 'application/json' },
      payload: '{"build_id": 1,',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('INVALID_JSON');
    expect(await buildCount()).toBe(before);
  });
});
