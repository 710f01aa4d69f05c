import { beforeAll, describe, expect, it } from 'vitest';
import { bearerFor, insertUser, login, useTestServer, TEST_PASSWORD } from '../../test-support/server.js';
import { insertBranchConfig, insertProject, randomSha, insertMember } from '../../test-support/fixtures.js';
import type { Project } from '../../db/schema.js';
import { signBody } from './signature.js';

const server = useTestServer();
let project: Project;
let secret: string;
let memberToken: { authorization: string };
let outsiderToken: { authorization: string };
let viewerToken: { authorization: string };

async function tokenOf(loginName: string): Promise<{ authorization: string }> {
  await insertUser(server, { login: loginName });
  return bearerFor(server, await login(server, loginName, TEST_PASSWORD));
}

beforeAll(async () => {
  ({ project, webhookSecret: secret } = await insertProject(server));
  await insertBranchConfig(server, { project_id: project.id, branch_name: 'main', deployment_type: 'auto' });
  memberToken = await tokenOf('member');
  outsiderToken = await tokenOf('outsider');
  viewerToken = await tokenOf('viewer');
  const member = await server.ctx.db
    .selectFrom('users')
    .select('id')
    .where('login', '=', 'member')
    .executeTakeFirstOrThrow();
  await insertMember(server, project, member);
});

function signed(body: string, signature = signBody(secret, body), projectId = project.id) {
  return server.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/builds`,
    headers: { 'content-type': 'application/json', 'x-polytene-signature': signature },
    payload: body,
  });
}

function withToken(payload: unknown, headers: { authorization: string }, projectId = project.id) {
  return server.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/builds`,
    headers,
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

describe('generic intake: authentication', () => {
  it('accepts a body signed with the project webhook secret and updates the same build later', async () => {
    const sha = randomSha();
    const running = JSON.stringify({ ref: 'main', sha, status: 'running', external_id: 'ci-1' });
    const first = await signed(running);
    expect(first.statusCode).toBe(201);
    expect(first.json().build).toMatchObject({
      source: 'generic',
      status: 'running',
      deployment_status: 'not_deployed',
    });
    expect(first.json().deployment).toBeNull();
    const done = JSON.stringify({
      ref: 'main',
      sha,
      status: 'success',
      external_id: 'ci-1',
      finished_at: '2024-05-01T12:00:00Z',
      payload: { pipeline_url: 'https://ci.example.test/1' },
    });
    const second = await signed(done);
    expect(second.statusCode).toBe(200);
    expect(second.json().build.id).toBe(first.json().build.id);
    expect(second.json().deployment).toMatchObject({ trigger: 'auto', status: 'queued' });
    expect(second.json().build.deployment_status).toBe('queued');
  });

  it('answers 401 for a wrong signature, a signature of another body, or no credentials, writing nothing', async () => {
    const before = await buildCount();
    const body = JSON.stringify({ ref: 'main', sha: randomSha(), status: 'success' });
    expect((await signed(body, 'sha256=' + '0'.repeat(64))).statusCode).toBe(401);
    expect((await signed(body, signBody(secret, body + ' '))).statusCode).toBe(401);
    expect((await signed(body, signBody('another secret', body))).statusCode).toBe(401);
    const anonymous = await server.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project.id}/builds`,
      payload: JSON.parse(body) as object,
    });
    expect(anonymous.statusCode).toBe(401);
    expect(await buildCount()).toBe(before);
  });

  it('accepts the API token of a user who may deploy and audits the build under their name', async () => {
    const res = await withToken({ ref: 'main', sha: randomSha(), status: 'pending' }, memberToken);
    expect(res.statusCode).toBe(201);
    const audit = await server.ctx.db
      .selectFrom('audit_events')
      .select('actor_login')
      .where('action', '=', 'build_received')
      .where('entity_id', '=', String(res.json().build.id))
      .executeTakeFirstOrThrow();
    expect(audit.actor_login).toBe('member');
  });

  it('hides the project from an outsider (404) and refuses a user who may only view (403)', async () => {
    const payload = { ref: 'main', sha: randomSha(), status: 'success' };
    expect((await withToken(payload, outsiderToken)).statusCode).toBe(404);
    const { project: open } = await insertProject(server, { public: true });
    expect((await withToken(payload, viewerToken, open.id)).statusCode).toBe(403);
  });
});

describe('generic intake: bad input', () => {
  it('answers a 4xx naming the field for each kind of bad input, and writes nothing', async () => {
    const before = await buildCount();
    const good = { ref: 'main', sha: randomSha(), status: 'success' };
    const cases: [unknown, number, string][] = [
      [{ ...good, status: 'done' }, 400, 'status'],
      [{ ...good, sha: 42 }, 400, 'sha'],
      [{ ...good, started_at: 'yesterday' }, 400, 'started_at'],
      [{ ref: 'main', status: 'success' }, 400, 'sha'],
      [{ ...good, ref: 'a..b' }, 400, 'ref'],
      [{ ...good, sha: 'xyz' }, 400, 'sha'],
      [{ ...good, before_sha: 'xyz' }, 400, 'before_sha'],
    ];
    for (const [payload, status, field] of cases) {
      const res = await signed(JSON.stringify(payload));
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json().error.details[0].field).toBe(field);
    }
    const malformed = await signed('{"ref": "main",');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('INVALID_JSON');
    expect(await buildCount()).toBe(before);
  });

  it('ignores fields it does not know, signed or with a token', async () => {
    const extra = { ref: 'main', sha: randomSha(), status: 'success', colour: 'red', ci: { run: 7 } };
    const bySignature = await signed(JSON.stringify({ ...extra, external_id: 'extra-signed' }));
    expect(bySignature.statusCode, bySignature.body).toBe(201);
    expect(bySignature.json().build.external_id).toBe('extra-signed');
    const byToken = await withToken({ ...extra, external_id: 'extra-token' }, memberToken);
    expect(byToken.statusCode, byToken.body).toBe(201);
  });

  it('stores NUL characters as U+FFFD instead of failing', async () => {
    const payload = {
      ref: 'main',
      sha: randomSha(),
      status: 'success',
      external_id: 'nul\u0000',
      x: 'a\u0000',
    };
    const res = await signed(JSON.stringify({ ...payload, payload: { note: 'b\u0000' } }));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().build.external_id).toBe('nul\uFFFD');
  });

  it('while the user API next to it still refuses an unknown field', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: memberToken,
      payload: { name: 'strict', clone_url: 'https://git.example.test/g/strict.git', colour: 'red' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('colour is not a known field');
  });

  it('answers 404 for an unknown project, signed or with a token', async () => {
    const body = JSON.stringify({ ref: 'main', sha: randomSha(), status: 'success' });
    expect((await signed(body, signBody(secret, body), 999_999)).statusCode).toBe(404);
    expect((await withToken(JSON.parse(body), memberToken, 999_999)).statusCode).toBe(404);
  });
});

describe('generic intake: commit context', () => {
  const commit = {
    commit_title: 'Fix the invoice total\n\nRounding was off by one cent.',
    commit_author_name: 'Anna Nowak',
    commit_author_email: 'anna@example.test',
    commit_url: 'https://git.example.test/group/app/commit/abc',
    pipeline_url: 'http://ci.example.test/pipelines/7',
    committed_at: '2026-05-01T10:00:00+02:00',
  };

  it('stores the optional commit fields and shows them in the build it answers', async () => {
    const res = await signed(JSON.stringify({ ref: 'main', sha: randomSha(), status: 'running', ...commit }));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().build).toMatchObject({
      commit: {
        title: 'Fix the invoice total',
        author_name: 'Anna Nowak',
        author_email: 'anna@example.test',
        url: 'https://git.example.test/group/app/commit/abc',
        committed_at: '2026-05-01T08:00:00.000Z',
      },
      pipeline_url: 'http://ci.example.test/pipelines/7',
    });
  });

  it('answers commit null and pipeline_url null without them, and keeps them when a later call omits them', async () => {
    const bare = await withToken({ ref: 'main', sha: randomSha(), status: 'success' }, memberToken);
    expect(bare.statusCode, bare.body).toBe(201);
    expect(bare.json().build).toMatchObject({ commit: null, pipeline_url: null });
    const sha = randomSha();
    const first = { ref: 'main', sha, status: 'running', external_id: 'commit-kept', ...commit };
    await withToken(first, memberToken);
    const later = await withToken(
      { ref: 'main', sha, status: 'success', external_id: 'commit-kept' },
      memberToken,
    );
    expect(later.statusCode, later.body).toBe(200);
    expect(later.json().build.commit).toMatchObject({
      title: 'Fix the invoice total',
      author_name: 'Anna Nowak',
    });
  });

  it('refuses bad commit fields with a 400 in plain words naming the field, and writes nothing', async () => {
    const before = await buildCount();
    const good = { ref: 'main', sha: randomSha(), status: 'success' };
    const cases: [object, string, string][] = [
      [{ commit_url: 'javascript:alert(1)' }, 'commit_url', 'commit_url must be an http or https URL'],
      [{ pipeline_url: 'not a url' }, 'pipeline_url', 'pipeline_url must be an http or https URL'],
      [{ commit_title: 42 }, 'commit_title', ''],
      [{ commit_author_name: { name: 'x' } }, 'commit_author_name', ''],
      [{ committed_at: 'last tuesday' }, 'committed_at', ''],
    ];
    for (const [bad, field, message] of cases) {
      const res = await signed(JSON.stringify({ ...good, ...bad }));
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().error.details[0].field).toBe(field);
      if (message) expect(res.json().error.message).toBe(message);
    }
    expect(await buildCount()).toBe(before);
  });
});
