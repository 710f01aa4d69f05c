import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminSession, bearerFor, useTestServer } from '../test-support/server.js';
import { insertBranchConfig, insertProject, insertRunner, randomSha } from '../test-support/fixtures.js';
import type { Project } from '../db/schema.js';
import { handleNulCharacters } from './nul-characters.js';

const NUL = '\u0000';
const REPLACED = '\uFFFD';

const fixture = (file: string) =>
  JSON.parse(readFileSync(new URL(`../intake/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;

const server = useTestServer();
let user: { authorization: string };
let project: Project;
let webhookSecret: string;
let runnerToken: string;
beforeAll(async () => {
  user = await bearerFor(server, await adminSession(server));
  ({ project, webhookSecret } = await insertProject(server));
  await insertBranchConfig(server, { project_id: project.id, branch_name: 'master' });
  await insertBranchConfig(server, { project_id: project.id, branch_name: 'main' });
  ({ token: runnerToken } = await insertRunner(server));
});

interface Case {
  what: string;
  method: 'GET' | 'POST' | 'PATCH';
  url: () => string;
  payload?: () => Record<string, unknown>;
  runner?: boolean;
  field: string;
}

/** Every kind of user input that reached PostgreSQL with a NUL and failed there with a 500. */
const userInput: Case[] = [
  {
    what: 'a project name',
    method: 'POST',
    url: () => '/api/v1/projects',
    payload: () => ({ name: `shop${NUL}`, clone_url: 'git@gitlab.example.test:team/shop.git' }),
    field: 'name',
  },
  {
    what: 'a project rename',
    method: 'PATCH',
    url: () => `/api/v1/projects/${project.id}`,
    payload: () => ({ name: `a${NUL}b` }),
    field: 'name',
  },
  {
    what: 'a branch script',
    method: 'POST',
    url: () => `/api/v1/projects/${project.id}/branches`,
    payload: () => ({ branch_name: 'release', deployment_script: `echo a${NUL}b` }),
    field: 'deployment_script',
  },
  {
    what: 'a branch variable',
    method: 'POST',
    url: () => `/api/v1/projects/${project.id}/branches`,
    payload: () => ({ branch_name: 'release', variables: [{ key: 'TARGET', value: `x${NUL}` }] }),
    field: 'variables.0.value',
  },
  {
    what: 'a user login',
    method: 'POST',
    url: () => '/api/v1/users',
    payload: () => ({ login: `eve${NUL}`, email: 'eve@example.test', password: 'Long-enough-1!' }),
    field: 'login',
  },
  {
    what: 'a runner name',
    method: 'POST',
    url: () => '/api/v1/runners',
    payload: () => ({ name: `runner${NUL}` }),
    field: 'name',
  },
  {
    what: 'a log-in name',
    method: 'POST',
    url: () => '/api/v1/session',
    payload: () => ({ login: `admin${NUL}`, password: 'whatever' }),
    field: 'login',
  },
  { what: 'a project search', method: 'GET', url: () => '/api/v1/projects?q=%00', field: 'q' },
  { what: 'a user search', method: 'GET', url: () => '/api/v1/users?q=a%00b', field: 'q' },
  {
    what: 'a deployment filter',
    method: 'GET',
    url: () => '/api/v1/deployments?environment=%00',
    field: 'environment',
  },
  { what: 'an audit filter', method: 'GET', url: () => '/api/v1/audit?action=%00', field: 'action' },
  {
    what: 'a build filter',
    method: 'GET',
    url: () => `/api/v1/projects/${project.id}/builds?branch=%00`,
    field: 'branch',
  },
  { what: 'a path parameter', method: 'GET', url: () => '/api/v1/projects/1%00', field: 'id' },
  { what: 'a web page path', method: 'GET', url: () => '/projects/%00', field: 'the path' },
  {
    what: 'the runner hello',
    method: 'POST',
    url: () => '/api/v1/runner/hello',
    payload: () => ({ version: '1.0.0', hostname: `deploy${NUL}1`, public_key: null, concurrency: 1 }),
    runner: true,
    field: 'hostname',
  },
];

describe('a NUL character in user input', () => {
  it.each(userInput)('in $what answers 400 naming $field', async (c) => {
    const res = await server.app.inject({
      method: c.method,
      url: c.url(),
      headers: c.runner ? { authorization: `Bearer ${runnerToken}` } : user,
      ...(c.payload ? { payload: c.payload() } : {}),
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: `${c.field} must not contain a NUL character`,
        details: [{ field: c.field, message: 'must not contain a NUL character' }],
      },
    });
  });

  it('names a field name that holds one', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/runners',
      headers: user,
      payload: { name: 'ok', [`sha${NUL}red`]: true },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('body has a field name with a NUL character');
  });
});

async function storedBuild(id: number) {
  return server.ctx.db.selectFrom('builds').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describe('a NUL character in a CI payload', () => {
  it('in a GitLab pipeline commit message is stored as U+FFFD with a 200, so GitLab does not retry', async () => {
    const payload = fixture('gitlab/fixtures/pipeline-success.json');
    payload.object_attributes = { ...(payload.object_attributes as object), id: 9001 };
    payload.commit = { ...(payload.commit as object), message: `fix${NUL}it\n` };
    const res = await server.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project.id}/hooks/gitlab`,
      headers: {
        'content-type': 'application/json',
        'x-gitlab-token': webhookSecret,
        'x-gitlab-event': 'Pipeline Hook',
        'idempotency-key': randomUUID(),
      },
      payload: JSON.stringify(payload),
    });
    expect(res.statusCode, res.body).toBe(200);
    const build = await storedBuild(res.json().build_id);
    expect(build.payload).toMatchObject({ commit: { message: `fix${REPLACED}it\n` } });
  });

  it('in a legacy hook commit message is stored as U+FFFD with a 201', async () => {
    const payload = fixture('legacy/fixtures/build-success.json');
    payload.build_id = 9002;
    const pushData = payload.push_data as { commits: { message: string }[] };
    pushData.commits[0]!.message = `fix${NUL}it`;
    const res = await server.app.inject({
      method: 'POST',
      url: `/api/v1/builds/${webhookSecret}/create`,
      payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    const build = await storedBuild(res.json().build.id);
    expect(build.payload).toMatchObject({ push_data: { commits: [{ message: `fix${REPLACED}it` }] } });
  });

  it('in a generic intake external id is stored as U+FFFD with a 201', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project.id}/builds`,
      headers: user,
      payload: { ref: 'main', sha: randomSha(), status: 'success', external_id: `ci${NUL}7` },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect((await storedBuild(res.json().build.id)).external_id).toBe(`ci${REPLACED}7`);
  });
});

describe('handleNulCharacters', () => {
  it('replaces NUL in values and field names at any depth, in place', () => {
    const body = { a: [`x${NUL}`, { [`k${NUL}`]: `y${NUL}${NUL}` }], n: 1, nothing: null };
    expect(handleNulCharacters(body, 'replace', 'body')).toBe(body);
    expect(body).toEqual({
      a: [`x${REPLACED}`, { [`k${REPLACED}`]: `y${REPLACED}${REPLACED}` }],
      n: 1,
      nothing: null,
    });
  });

  it('walks a deeply nested body without overflowing the stack', () => {
    let deep: unknown = `end${NUL}`;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(() => handleNulCharacters(deep, 'reject', 'body')).toThrow(/must not contain a NUL character/);
  });
});
