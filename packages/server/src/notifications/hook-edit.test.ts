import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  signedInUser,
  startTestServer,
  type SessionHeaders,
  type TestServer,
} from '../test-support/server.js';
import { insertProject } from '../test-support/fixtures.js';
import { startReceiver, type Receiver } from '../test-support/receiver.js';
import type { Project } from '../db/schema.js';
import { verifySignature } from './hook-payloads.js';

let server: TestServer;
let receiver: Receiver;
let owner: SessionHeaders;
let viewer: SessionHeaders;
let maintainer: SessionHeaders;
let stranger: SessionHeaders;
let project: Project;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({ notifyAllowPrivate: true, publicUrl: 'https://deploy.example.test' });
  const alice = await signedInUser(server, { login: 'alice' });
  owner = alice.session;
  ({ project } = await insertProject(server, { name: 'shop', owner_id: alice.user.id }));
  const members = { vera: 'viewer', mia: 'maintainer' } as const;
  const sessions: Record<string, SessionHeaders> = {};
  for (const [login, role] of Object.entries(members)) {
    const member = await signedInUser(server, { login });
    await server.ctx.db
      .insertInto('project_members')
      .values({ project_id: project.id, user_id: member.user.id, role })
      .execute();
    sessions[login] = member.session;
  }
  viewer = sessions.vera!;
  maintainer = sessions.mia!;
  stranger = (await signedInUser(server, { login: 'sam' })).session;
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});
beforeEach(async () => {
  receiver.received.length = 0;
  await server.ctx.db.deleteFrom('notification_hooks').execute();
});

async function addWebhook(session = owner) {
  const res = await server.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${project.id}/notification-hooks`,
    headers: session,
    payload: { kind: 'webhook', url: `${receiver.base}/a`, events: ['failed'] },
  });
  expect(res.statusCode).toBe(201);
  return res.json<{ hook: { id: number }; secret: string }>();
}

const call = (
  method: 'PATCH' | 'POST',
  url: string,
  session: SessionHeaders,
  payload?: Record<string, unknown>,
) => server.app.inject({ method, url, headers: session, ...(payload === undefined ? {} : { payload }) });

const auditOf = (hookId: number) =>
  server.ctx.db
    .selectFrom('audit_events')
    .select(['action', 'before', 'after'])
    .where('entity_type', '=', 'notification_hook')
    .where('entity_id', '=', String(hookId))
    .orderBy('id')
    .execute();

describe('changing a notification hook', () => {
  it('changes URL, environment and events, audited with before and after (URL origin only)', async () => {
    const { hook } = await addWebhook(maintainer);
    const res = await call('PATCH', `/api/v1/notification-hooks/${hook.id}`, maintainer, {
      url: `${receiver.base}/b?token=abc`,
      environment: 'production',
      events: ['succeeded', 'recovered', 'succeeded'],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: hook.id,
      kind: 'webhook',
      url: `${receiver.base}/b?token=abc`,
      environment: 'production',
      events: ['succeeded', 'recovered'],
    });
    const back = await call('PATCH', `/api/v1/notification-hooks/${hook.id}`, owner, { environment: null });
    expect(back.json()).toMatchObject({ environment: null, events: ['succeeded', 'recovered'] });
    const audit = await auditOf(hook.id);
    expect(audit.map((a) => a.action)).toEqual([
      'notification_hook_create',
      'notification_hook_update',
      'notification_hook_update',
    ]);
    expect(audit[1]).toMatchObject({
      before: { events: ['failed'], environment: null },
      after: { events: ['succeeded', 'recovered'], environment: 'production', url: receiver.base },
    });
    expect(JSON.stringify(audit)).not.toContain('token=abc');
  });

  it('refuses an empty change, an unknown field, a kind and a non-http URL with a 400, changing nothing', async () => {
    const { hook } = await addWebhook();
    for (const payload of [
      {},
      { name: 'x' },
      { kind: 'slack' },
      { url: 'ftp://example.test/x' },
      { events: [] },
    ]) {
      const res = await call('PATCH', `/api/v1/notification-hooks/${hook.id}`, owner, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const ftp = await call('PATCH', `/api/v1/notification-hooks/${hook.id}`, owner, {
      url: 'ftp://example.test/x',
    });
    expect(ftp.json<{ error: { message: string } }>().error.message).toBe('url must be an http or https URL');
    const stored = await server.ctx.db
      .selectFrom('notification_hooks')
      .selectAll()
      .where('id', '=', hook.id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ url: `${receiver.base}/a`, events: ['failed'], kind: 'webhook' });
  });

  it('lets a viewer neither change nor rotate (403) and hides the hook from a non-member (404)', async () => {
    const { hook } = await addWebhook();
    for (const [session, status] of [
      [viewer, 403],
      [stranger, 404],
    ] as const) {
      const patch = await call('PATCH', `/api/v1/notification-hooks/${hook.id}`, session, {
        events: ['queued'],
      });
      expect(patch.statusCode).toBe(status);
      const rotate = await call('POST', `/api/v1/notification-hooks/${hook.id}/rotate-secret`, session);
      expect(rotate.statusCode).toBe(status);
    }
    const missing = await call('PATCH', `/api/v1/notification-hooks/999999`, owner, { events: ['queued'] });
    expect(missing.statusCode).toBe(404);
  });

  it('rotates the secret: answered once, the next delivery is signed with it, the old one fails', async () => {
    const { hook, secret: old } = await addWebhook();
    const res = await call('POST', `/api/v1/notification-hooks/${hook.id}/rotate-secret`, maintainer);
    expect(res.statusCode).toBe(200);
    const { secret } = res.json<{ hook: { id: number }; secret: string }>();
    expect(secret).toMatch(/^[\w-]{40,}$/);
    expect(secret).not.toBe(old);
    const stored = await server.ctx.db
      .selectFrom('notification_hooks')
      .select('secret_encrypted')
      .where('id', '=', hook.id)
      .executeTakeFirstOrThrow();
    expect(stored.secret_encrypted).not.toContain(secret);
    expect(server.ctx.secrets.decrypt(stored.secret_encrypted!)).toBe(secret);

    const test = await call('POST', `/api/v1/notification-hooks/${hook.id}/test`, owner);
    expect(test.json()).toMatchObject({ status: 'delivered', response_status: 200 });
    const got = receiver.received[0]!;
    const headers = {
      timestamp: got.headers['x-polytene-timestamp'] as string,
      signature: got.headers['x-polytene-signature'] as string,
    };
    expect(verifySignature(secret, headers, got.raw)).toBe('ok');
    expect(verifySignature(old, headers, got.raw)).toBe('bad signature');

    const audit = await auditOf(hook.id);
    expect(audit.map((a) => a.action)).toEqual([
      'notification_hook_create',
      'notification_hook_rotate_secret',
    ]);
    expect(JSON.stringify(audit)).not.toContain(secret);
    const list = await server.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${project.id}/notification-hooks`,
      headers: owner,
    });
    expect(list.body).not.toContain(secret);
  });

  it('documents both routes and their bodies in the OpenAPI document', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/api/docs/json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    expect(doc.paths['/api/v1/notification-hooks/{id}']).toHaveProperty('patch');
    expect(doc.paths['/api/v1/notification-hooks/{id}/rotate-secret']).toHaveProperty('post');
  });

  it('refuses to rotate a Slack hook, which has no secret', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project.id}/notification-hooks`,
      headers: owner,
      payload: { kind: 'slack', url: `${receiver.base}/s`, events: ['failed'] },
    });
    const { hook } = res.json<{ hook: { id: number } }>();
    const rotate = await call('POST', `/api/v1/notification-hooks/${hook.id}/rotate-secret`, owner);
    expect(rotate.statusCode).toBe(400);
    expect(rotate.json<{ error: { message: string } }>().error.message).toMatch(/no signing secret/);
  });
});

describe('changing a hook without POLYTENE_NOTIFY_ALLOW_PRIVATE', () => {
  it('refuses a new URL with a private address, as adding does', async () => {
    const strict = await startTestServer();
    try {
      const { user, session } = await signedInUser(strict, { login: 'carol' });
      const { project: own } = await insertProject(strict, { owner_id: user.id });
      const res = await strict.app.inject({
        method: 'POST',
        url: `/api/v1/projects/${own.id}/notification-hooks`,
        headers: session,
        payload: { kind: 'slack', url: 'https://93.184.215.14/x', events: ['failed'] },
      });
      expect(res.statusCode).toBe(201);
      const { hook } = res.json<{ hook: { id: number } }>();
      const patch = await strict.app.inject({
        method: 'PATCH',
        url: `/api/v1/notification-hooks/${hook.id}`,
        headers: session,
        payload: { url: 'http://192.168.1.10/x' },
      });
      expect(patch.statusCode).toBe(400);
      expect(patch.json<{ error: { message: string } }>().error.message).toMatch(
        /loopback or private address/,
      );
    } finally {
      await strict.close();
    }
  });
});
