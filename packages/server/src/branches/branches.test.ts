import { beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_PASSWORD,
  adminSession,
  insertUser,
  login,
  useTestServer,
  type SessionHeaders,
  signedInUser,
} from '../test-support/server.js';
import { insertProject, insertMember, auditEvents } from '../test-support/fixtures.js';
import type { Project, User } from '../db/schema.js';
import { decryptVariables } from '../runner-protocol/job.js';

const server = useTestServer();
let admin: SessionHeaders;
let alice: User;
let aliceSession: SessionHeaders;
let bobSession: SessionHeaders;
let carolSession: SessionHeaders;
let project: Project;
beforeAll(async () => {
  admin = await adminSession(server);
  ({ user: alice, session: aliceSession } = await signedInUser(server, { login: 'alice' }));
  const bob = await insertUser(server, { login: 'bob' });
  ({ session: carolSession } = await signedInUser(server, { login: 'carol' }));
  bobSession = await login(server, 'bob', TEST_PASSWORD);
  ({ project } = await insertProject(server, { owner_id: alice.id }));
  await insertMember(server, project, bob);
});

const url = () => `/api/v1/projects/${project.id}/branches`;

function create(headers: SessionHeaders, payload: Record<string, unknown>) {
  return server.app.inject({ method: 'POST', url: url(), headers, payload });
}

function fieldsOf(body: { error: { details?: { field: string }[] } }): string[] {
  return (body.error.details ?? []).map((d) => d.field);
}

async function storedConfig(id: number) {
  return server.ctx.db
    .selectFrom('branch_configs')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

describe('branch configs', () => {
  it('creates a config with defaults, hides secret values and stores them encrypted', async () => {
    const res = await create(aliceSession, {
      branch_name: 'main',
      deployment_type: 'auto',
      deployment_script: './deploy.sh',
      notification_emails: ['ops@example.test'],
      variables: [
        { key: 'APP_ENV', value: 'prod' },
        { key: 'DB_PASSWORD', value: 'hunter2-secret', secret: true },
      ],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      branch_name: 'main',
      deployment_type: 'auto',
      environment: 'production',
      artifacts_dir: 'polytene',
      timeout_seconds: 7200,
      failed_build_can_be_auto_deployed: false,
      notification_emails: ['ops@example.test'],
      variables: [
        { key: 'APP_ENV', value: 'prod', secret: false },
        { key: 'DB_PASSWORD', value: null, secret: true },
      ],
    });
    const row = await storedConfig(res.json().id);
    expect(JSON.stringify(row.variables)).not.toContain('hunter2-secret');
    expect(decryptVariables(server.ctx, row.variables)).toEqual([
      { key: 'APP_ENV', value: 'prod', secret: false },
      { key: 'DB_PASSWORD', value: 'hunter2-secret', secret: true },
    ]);
    const audit = await auditEvents(server, { entity_type: 'branch_config' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'create', project_id: project.id, actor_id: alice.id });
    expect(JSON.stringify(audit)).not.toContain('hunter2-secret');
  });

  it('keeps a secret value when PATCH sends it without a value, and replaces it when one is sent', async () => {
    const id = (
      await create(aliceSession, {
        branch_name: 'staging',
        environment: 'staging',
        variables: [{ key: 'TOKEN', value: 'first-secret', secret: true }],
      })
    ).json().id as number;
    const patch = (variables: unknown[]) =>
      server.app.inject({
        method: 'PATCH',
        url: `${url()}/${id}`,
        headers: aliceSession,
        payload: { variables },
      });

    let res = await patch([
      { key: 'TOKEN', secret: true },
      { key: 'EXTRA', value: 'x' },
    ]);
    expect(res.statusCode).toBe(200);
    expect(decryptVariables(server.ctx, (await storedConfig(id)).variables)).toEqual([
      { key: 'TOKEN', value: 'first-secret', secret: true },
      { key: 'EXTRA', value: 'x', secret: false },
    ]);
    res = await patch([{ key: 'TOKEN', value: null, secret: true }]);
    expect(decryptVariables(server.ctx, (await storedConfig(id)).variables)[0]?.value).toBe('first-secret');
    res = await patch([{ key: 'TOKEN', value: 'second-secret', secret: true }]);
    expect(decryptVariables(server.ctx, (await storedConfig(id)).variables)[0]?.value).toBe('second-secret');
    const newSecretWithoutValue = await patch([{ key: 'OTHER', secret: true }]);
    expect(newSecretWithoutValue.statusCode).toBe(400);
    expect(fieldsOf(newSecretWithoutValue.json())).toEqual(['variables.0.value']);

    const audit = await auditEvents(server, { entity_type: 'branch_config', entity_id: String(id) });
    expect(JSON.stringify(audit)).not.toMatch(/first-secret|second-secret/);
  });

  it('answers 409 naming branch_name for a duplicate branch, on create and on rename', async () => {
    const dup = await create(aliceSession, { branch_name: 'main' });
    expect(dup.statusCode).toBe(409);
    expect(fieldsOf(dup.json())).toEqual(['branch_name']);
    const other = (await create(aliceSession, { branch_name: 'feature/x' })).json();
    const rename = await server.app.inject({
      method: 'PATCH',
      url: `${url()}/${other.id}`,
      headers: aliceSession,
      payload: { branch_name: 'main' },
    });
    expect(rename.statusCode).toBe(409);
    expect(fieldsOf(rename.json())).toEqual(['branch_name']);
  });

  it('refuses a secret value shorter than 8 characters, naming the variable, also one stored before the rule', async () => {
    const short = await create(aliceSession, {
      branch_name: 'short-secret',
      variables: [
        { key: 'APP_ENV', value: 'ab' },
        { key: 'DB_PASS', value: 'zażółć7', secret: true },
      ],
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.message).toBe(
      'Variable DB_PASS: a secret value must be at least 8 characters long',
    );
    expect(short.json().error.details).toEqual([
      {
        field: 'variables.1.value',
        code: 'too_short',
        params: { limit: 8 },
        message: 'a secret value must be at least 8 characters long',
      },
    ]);
    const eight = await create(aliceSession, {
      branch_name: 'short-secret',
      variables: [{ key: 'DB_PASS', value: 'zażółć🔑8', secret: true }],
    });
    expect(eight.statusCode).toBe(201);
    const id = eight.json().id as number;
    // A short secret stored before the rule is not kept silently: a new value is asked for.
    await server.ctx.db
      .updateTable('branch_configs')
      .set({
        variables: JSON.stringify([
          { key: 'DB_PASS', secret: true, encrypted: server.ctx.secrets.encrypt('ab') },
        ]),
      })
      .where('id', '=', id)
      .execute();
    const kept = await server.app.inject({
      method: 'PATCH',
      url: `${url()}/${id}`,
      headers: aliceSession,
      payload: { variables: [{ key: 'DB_PASS', secret: true }] },
    });
    expect(kept.statusCode).toBe(400);
    expect(fieldsOf(kept.json())).toEqual(['variables.0.value']);
    expect(kept.json().error.message).toContain(
      'Variable DB_PASS: a secret value must be at least 8 characters long',
    );
    const other = await server.app.inject({
      method: 'PATCH',
      url: `${url()}/${id}`,
      headers: aliceSession,
      payload: { timeout_seconds: 60 },
    });
    expect(other.statusCode).toBe(200);
  });

  it('rejects bad input naming the field', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ branch_name: 'bad..name' }, 400, 'branch_name'],
      [{ branch_name: 'ok', environment: 'prod env' }, 400, 'environment'],
      [{ branch_name: 'ok', artifacts_dir: '../outside' }, 400, 'artifacts_dir'],
      [{ branch_name: 'ok', artifacts_dir: 'a/../../b' }, 400, 'artifacts_dir'],
      [{ branch_name: 'ok', artifacts_dir: '/etc' }, 400, 'artifacts_dir'],
      [{ branch_name: 'ok', timeout_seconds: 0 }, 400, 'timeout_seconds'],
      [{ branch_name: 'ok', timeout_seconds: 86_401 }, 400, 'timeout_seconds'],
      [{ branch_name: 'ok', deployment_type: 'sometimes' }, 400, 'deployment_type'],
      [{ branch_name: 'ok', notification_emails: ['not an email'] }, 400, 'notification_emails.0'],
      [{ branch_name: 'ok', variables: [{ key: '1BAD', value: 'x' }] }, 400, 'variables.0.key'],
      [{ branch_name: 'ok', variables: [{ key: 'POLYTENE_SHA', value: 'x' }] }, 400, 'variables.0.key'],
      [
        {
          branch_name: 'ok',
          variables: [
            { key: 'A', value: 'x' },
            { key: 'A', value: 'y' },
          ],
        },
        400,
        'variables.1.key',
      ],
      [{ branch_name: 'ok', variables: [{ key: 'A', value: 1 }] }, 400, 'variables.0.value'],
      [{ branch_name: 'ok', variables: [{ key: 'A', value: 'x', masked: true }] }, 400, 'variables.0.masked'],
      [{ branch_name: 'ok', mode: 'auto' }, 400, 'mode'],
    ];
    for (const [payload, status, field] of cases) {
      const res = await create(aliceSession, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(fieldsOf(res.json()), JSON.stringify(payload)).toContain(field);
    }
    const deep = await create(aliceSession, { branch_name: 'ok', artifacts_dir: 'out/polytene' });
    expect(deep.statusCode).toBe(201);
  });

  it('lets a member read but not change, hides the project from an outsider, and lets an admin delete', async () => {
    const list = await server.app.inject({ method: 'GET', url: url(), headers: bobSession });
    expect(list.statusCode).toBe(200);
    const main = (list.json().branches as { id: number; branch_name: string }[]).find(
      (b) => b.branch_name === 'main',
    )!;
    const one = await server.app.inject({ method: 'GET', url: `${url()}/${main.id}`, headers: bobSession });
    expect(one.json().variables[1]).toEqual({ key: 'DB_PASSWORD', value: null, secret: true });
    expect((await create(bobSession, { branch_name: 'bobs' })).statusCode).toBe(403);
    const patch = await server.app.inject({
      method: 'PATCH',
      url: `${url()}/${main.id}`,
      headers: bobSession,
      payload: { deployment_script: 'rm -rf /' },
    });
    expect(patch.statusCode).toBe(403);
    for (const [method, target] of [
      ['GET', url()],
      ['GET', `${url()}/${main.id}`],
      ['DELETE', `${url()}/${main.id}`],
    ] as const) {
      expect((await server.app.inject({ method, url: target, headers: carolSession })).statusCode).toBe(404);
    }
    const { project: other } = await insertProject(server, { owner_id: alice.id });
    const wrongProject = await server.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${other.id}/branches/${main.id}`,
      headers: aliceSession,
    });
    expect(wrongProject.statusCode).toBe(404);

    const del = await server.app.inject({ method: 'DELETE', url: `${url()}/${main.id}`, headers: admin });
    expect(del.statusCode).toBe(204);
    const [event] = await auditEvents(server, { action: 'delete', entity_type: 'branch_config' });
    expect(event?.before).toMatchObject({
      branch_name: 'main',
      variables: [{ key: 'APP_ENV' }, { key: 'DB_PASSWORD', value: null }],
    });
  });
});
