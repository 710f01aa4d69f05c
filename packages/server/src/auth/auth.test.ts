import { describe, expect, it } from 'vitest';
import {
  TEST_PASSWORD,
  adminSession,
  bearerFor,
  insertUser,
  login,
  useTestServer,
} from '../test-support/server.js';
import { auditEvents } from '../test-support/fixtures.js';
import { DEFAULT_ADMIN } from './service.js';

const server = useTestServer();

describe('sessions and the default admin', () => {
  it('refuses every call but the password change until the default admin changed its password', async () => {
    const headers = await login(server, DEFAULT_ADMIN.login, DEFAULT_ADMIN.password);
    const blocked = await server.app.inject({ method: 'GET', url: '/api/v1/user/tokens', headers });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');
    const me = await server.app.inject({ method: 'GET', url: '/api/v1/user', headers });
    expect(me.json().must_change_password).toBe(true);
  });

  it('rejects a weak new password naming the field', async () => {
    const headers = await login(server, DEFAULT_ADMIN.login, DEFAULT_ADMIN.password);
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/user/password',
      headers,
      payload: { current_password: DEFAULT_ADMIN.password, new_password: 'short' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe('new_password');
  });

  it('lets the admin work after the password change, and the old password stops working', async () => {
    const headers = await adminSession(server);
    const ok = await server.app.inject({ method: 'GET', url: '/api/v1/user/tokens', headers });
    expect(ok.statusCode).toBe(200);
    const old = await server.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { login: 'admin', password: DEFAULT_ADMIN.password },
    });
    expect(old.statusCode).toBe(401);
    await login(server, 'admin', TEST_PASSWORD);
  });

  it('requires the CSRF header for unsafe calls made with a session cookie', async () => {
    const headers = await login(server, 'admin', TEST_PASSWORD);
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/user/tokens',
      headers: { cookie: headers.cookie },
      payload: { name: 'x' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('CSRF_FAILED');
  });

  it('authenticates with a personal API token, which is shown once and can be revoked', async () => {
    const session = await login(server, 'admin', TEST_PASSWORD);
    const bearer = await bearerFor(server, session);
    const list = await server.app.inject({ method: 'GET', url: '/api/v1/user/tokens', headers: bearer });
    expect(list.statusCode).toBe(200);
    const tokens = list.json().tokens as { id: number; prefix: string }[];
    expect(JSON.stringify(list.json())).not.toContain(bearer.authorization.slice(7));
    const id = tokens[0]!.id;
    const del = await server.app.inject({
      method: 'DELETE',
      url: `/api/v1/user/tokens/${id}`,
      headers: bearer,
    });
    expect(del.statusCode).toBe(204);
    const after = await server.app.inject({ method: 'GET', url: '/api/v1/user/tokens', headers: bearer });
    expect(after.statusCode).toBe(401);
  });

  it('answers 401 for a wrong password and records the failed login in the audit log', async () => {
    await insertUser(server, { login: 'dev' });
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { login: 'dev', password: 'nope' },
    });
    expect(res.statusCode).toBe(401);
    const events = await auditEvents(server, { action: 'login_failed' });
    expect(events.some((e) => e.actor_login === 'dev')).toBe(true);
  });
});
