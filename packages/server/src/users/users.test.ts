import { beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_PASSWORD,
  adminSession,
  bearerFor,
  insertUser,
  login,
  useTestServer,
  type SessionHeaders,
} from '../test-support/server.js';
import { auditEvents } from '../test-support/fixtures.js';

const server = useTestServer();
let admin: SessionHeaders;
let adminId: number;
beforeAll(async () => {
  admin = await adminSession(server);
  adminId = (await server.app.inject({ method: 'GET', url: '/api/v1/user', headers: admin })).json().user.id;
});

const auditOf = (entityId: number, action: string) =>
  auditEvents(server, { entity_type: 'user', entity_id: String(entityId), action });

describe('creating users', () => {
  it('lets an admin create a user who must change the password at first login, audited without the password', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin,
      payload: { login: 'alice', email: 'alice@example.test', name: 'Alice', password: 'Start-Here-42' },
    });
    expect(res.statusCode).toBe(201);
    const user = res.json();
    expect(user).toMatchObject({ login: 'alice', role: 'member', must_change_password: true, locale: 'en' });
    expect(user).not.toHaveProperty('password_hash');

    const session = await login(server, 'alice', 'Start-Here-42');
    const blocked = await server.app.inject({ method: 'GET', url: '/api/v1/user/tokens', headers: session });
    expect(blocked.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');

    const [event] = await auditOf(user.id, 'create');
    expect(event?.actor_id).toBe(adminId);
    expect(JSON.stringify(event?.after)).not.toContain('Start-Here-42');
  });

  it('rejects a weak password, a bad email, an unknown field and a taken login, naming the field', async () => {
    const base = { login: 'bob', email: 'bob@example.test', password: 'Start-Here-42' };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...base, password: 'short' }, 400, 'password'],
      [{ ...base, email: 'not-an-email' }, 400, 'email'],
      [{ ...base, login: 'bad login' }, 400, 'login'],
      [{ ...base, role: 'root' }, 400, 'role'],
      [{ ...base, shoe_size: 44 }, 400, 'shoe_size'],
      [{ ...base, login: 'ALICE' }, 409, 'login'],
    ];
    for (const [payload, status, field] of cases) {
      const res = await server.app.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });

  it('refuses the user list and user creation to a member', async () => {
    await insertUser(server, { login: 'carol' });
    const carol = await login(server, 'carol', TEST_PASSWORD);
    const list = await server.app.inject({ method: 'GET', url: '/api/v1/users', headers: carol });
    expect(list.statusCode).toBe(403);
    const create = await server.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: carol,
      payload: { login: 'mallory', email: 'm@example.test', password: 'Mallory-42-x' },
    });
    expect(create.statusCode).toBe(403);
    const anonymous = await server.app.inject({ method: 'GET', url: '/api/v1/users' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('lists and searches users for an admin with a total', async () => {
    const res = await server.app.inject({
      method: 'GET',
      url: '/api/v1/users?q=ali&per_page=5',
      headers: admin,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ total: 1, page: 1, per_page: 5 });
    expect(res.json().users[0].login).toBe('alice');
  });
});

describe('changing users', () => {
  it('lets a user read and edit only their own profile', async () => {
    const dave = await insertUser(server, { login: 'dave' });
    const erin = await insertUser(server, { login: 'erin' });
    const session = await login(server, 'dave', TEST_PASSWORD);
    const own = await server.app.inject({ method: 'GET', url: `/api/v1/users/${dave.id}`, headers: session });
    expect(own.statusCode).toBe(200);
    const other = await server.app.inject({
      method: 'GET',
      url: `/api/v1/users/${erin.id}`,
      headers: session,
    });
    expect(other.statusCode).toBe(403);

    const res = await server.app.inject({
      method: 'PATCH',
      url: '/api/v1/user',
      headers: session,
      payload: { name: 'Dave D.', locale: 'pl' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Dave D.', locale: 'pl', role: 'member' });

    const promote = await server.app.inject({
      method: 'PATCH',
      url: '/api/v1/user',
      headers: session,
      payload: { role: 'admin' },
    });
    expect(promote.statusCode).toBe(400);
    expect(promote.json().error.details[0].field).toBe('role');
    const badLocale = await server.app.inject({
      method: 'PATCH',
      url: '/api/v1/user',
      headers: session,
      payload: { locale: 'de' },
    });
    expect(badLocale.statusCode).toBe(400);
    const patchOther = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${erin.id}`,
      headers: session,
      payload: { name: 'x' },
    });
    expect(patchOther.statusCode).toBe(403);
  });

  it('disabling a user ends their sessions and is audited', async () => {
    const frank = await insertUser(server, { login: 'frank' });
    const session = await login(server, 'frank', TEST_PASSWORD);
    const res = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${frank.id}`,
      headers: admin,
      payload: { disabled: true },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().disabled).toBe(true);
    const sessions = await server.ctx.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', frank.id)
      .execute();
    expect(sessions).toHaveLength(0);
    const after = await server.app.inject({ method: 'GET', url: '/api/v1/user', headers: session });
    expect(after.statusCode).toBe(401);
    const [event] = await auditOf(frank.id, 'disable');
    expect(event?.before).toMatchObject({ disabled: false });
    expect(event?.after).toMatchObject({ disabled: true });
  });

  it('disabling a user revokes their API tokens, so enabling them again does not bring the tokens back', async () => {
    const hank = await insertUser(server, { login: 'hank' });
    const bearer = await bearerFor(server, await login(server, 'hank', TEST_PASSWORD));
    const me = () => server.app.inject({ method: 'GET', url: '/api/v1/user', headers: bearer });
    expect((await me()).statusCode).toBe(200);
    const patch = (disabled: boolean) =>
      server.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${hank.id}`,
        headers: admin,
        payload: { disabled },
      });
    expect((await patch(true)).statusCode).toBe(200);
    expect((await me()).statusCode).toBe(401);
    expect((await patch(false)).statusCode).toBe(200);
    expect((await me()).statusCode).toBe(401);
    const tokens = await server.ctx.db
      .selectFrom('api_tokens')
      .select('revoked_at')
      .where('user_id', '=', hank.id)
      .execute();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]?.revoked_at).not.toBeNull();
    const session = await login(server, 'hank', TEST_PASSWORD);
    const listed = await server.app.inject({ method: 'GET', url: '/api/v1/user/tokens', headers: session });
    expect(listed.json().tokens).toEqual([]);
  });

  it('keeps the last active admin from demoting or disabling themself, but allows it once another admin exists', async () => {
    for (const payload of [{ role: 'member' }, { disabled: true }]) {
      const res = await server.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${adminId}`,
        headers: admin,
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details[0].field).toBe(Object.keys(payload)[0]);
    }
    const grace = await insertUser(server, { login: 'grace' });
    const promote = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${grace.id}`,
      headers: admin,
      payload: { role: 'admin' },
    });
    expect(promote.json().role).toBe('admin');
    const demoteSelf = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${adminId}`,
      headers: admin,
      payload: { role: 'member' },
    });
    expect(demoteSelf.statusCode).toBe(200);
    expect(demoteSelf.json().role).toBe('member');
  });

  it('answers 404 for an unknown user', async () => {
    const graceSession = await login(server, 'grace', TEST_PASSWORD);
    const res = await server.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/999999',
      headers: graceSession,
      payload: { name: 'x' },
    });
    expect(res.statusCode).toBe(404);
  });
});
