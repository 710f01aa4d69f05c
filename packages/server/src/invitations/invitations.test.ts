import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  adminSession,
  insertUser,
  login,
  sessionHeaders,
  startTestServer,
  TEST_PASSWORD,
  type SessionHeaders,
  type TestServer,
} from '../test-support/server.js';
import { createInvitation } from './service.js';
import { mailText, startSmtpCapture, type SmtpCapture } from '../test-support/smtp.js';

/** Every line the server logs. */
const log = { lines: [] as string[], write: (line: string) => void log.lines.push(line) };
/** Every token handed out in these tests, checked against the audit and the log at the end. */
const tokens: string[] = [];

let smtp: SmtpCapture;
let server: TestServer;
let admin: SessionHeaders;
const PUBLIC_URL = 'https://deploy.example.test';

beforeAll(async () => {
  smtp = await startSmtpCapture();
  server = await startTestServer(
    { smtpUrl: smtp.url, publicUrl: PUBLIC_URL, invitationDays: 3, logLevel: 'info' },
    { logStream: log },
  );
  admin = await adminSession(server);
});
afterAll(async () => {
  await server.close();
  await smtp.close();
});

/** Invites `email` as the admin and answers the token from the link in the mail that arrived. */
async function invite(email: string, role: 'admin' | 'member' = 'member'): Promise<string> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/v1/invitations',
    headers: admin,
    payload: { email, role },
  });
  expect(res.statusCode, res.body).toBe(201);
  expect(res.json()).toMatchObject({ emailed: true, invitation: { email, role } });
  expect(res.json()).not.toHaveProperty('link');
  const text = mailText((await smtp.mailTo(email)).raw);
  const match = /https:\/\/deploy\.example\.test\/invitations\/(pi_[A-Za-z0-9_-]+)/.exec(text);
  expect(match, text).not.toBeNull();
  tokens.push(match![1]!);
  return match![1]!;
}

function accept(token: string, body: Record<string, unknown>) {
  return server.app.inject({
    method: 'POST',
    url: `/api/v1/invitations/by-token/${token}/accept`,
    payload: { name: 'Invited Person', password: 'Invited-Passw0rd!', ...body },
  });
}

const byToken = (token: string) =>
  server.app.inject({ method: 'GET', url: `/api/v1/invitations/by-token/${token}` });

async function pendingEmails(): Promise<string[]> {
  const res = await server.app.inject({ method: 'GET', url: '/api/v1/invitations', headers: admin });
  expect(res.statusCode).toBe(200);
  return (res.json() as { invitations: Array<{ email: string }> }).invitations.map((i) => i.email);
}

describe('invitations', () => {
  it('emails a link valid for the configured days that creates the user and logs them in once', async () => {
    const token = await invite('carol@example.test');
    const shown = await byToken(token);
    expect(shown.statusCode).toBe(200);
    const { expires_at } = shown.json() as { expires_at: string };
    expect(shown.json()).toMatchObject({ email: 'carol@example.test', role: 'member' });
    expect(Math.abs(Date.parse(expires_at) - Date.now() - 3 * 24 * 3600_000)).toBeLessThan(60_000);
    expect(await pendingEmails()).toContain('carol@example.test');

    const res = await accept(token, { login: 'carol' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      user: { login: 'carol', email: 'carol@example.test', name: 'Invited Person', role: 'member' },
      must_change_password: false,
    });
    const me = await server.app.inject({ method: 'GET', url: '/api/v1/user', headers: sessionHeaders(res) });
    expect(me.json()).toMatchObject({ user: { login: 'carol' }, must_change_password: false });
    await login(server, 'carol', 'Invited-Passw0rd!');

    const again = await accept(token, { login: 'carol2' });
    expect(again.statusCode).toBe(410);
    expect(again.json()).toMatchObject({
      error: { code: 'INVITATION_USED', message: 'this invitation was already used' },
    });
    expect((await byToken(token)).statusCode).toBe(410);
    expect(await pendingEmails()).not.toContain('carol@example.test');
  });

  it('gives an invited admin the admin role', async () => {
    const res = await accept(await invite('root@example.test', 'admin'), { login: 'root2' });
    expect(res.json()).toMatchObject({ user: { login: 'root2', role: 'admin' } });
  });

  it('refuses an expired link with words', async () => {
    const token = await invite('late@example.test');
    await sql`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = 'late@example.test'`.execute(
      server.ctx.db,
    );
    for (const res of [await byToken(token), await accept(token, { login: 'late' })]) {
      expect(res.statusCode).toBe(410);
      expect(res.json()).toMatchObject({
        error: { code: 'INVITATION_EXPIRED', message: 'this invitation has expired' },
      });
    }
    expect(await pendingEmails()).not.toContain('late@example.test');
  });

  it('revokes a pending invitation, whose link then no longer works', async () => {
    const token = await invite('gone@example.test');
    const list = await server.app.inject({ method: 'GET', url: '/api/v1/invitations', headers: admin });
    const { id } = (list.json() as { invitations: Array<{ id: number; email: string }> }).invitations.find(
      (i) => i.email === 'gone@example.test',
    )!;
    const url = `/api/v1/invitations/${id}`;
    expect((await server.app.inject({ method: 'DELETE', url, headers: admin })).statusCode).toBe(204);
    const res = await accept(token, { login: 'gone' });
    expect(res.statusCode).toBe(410);
    expect(res.json()).toMatchObject({ error: { message: 'this invitation was revoked' } });
    expect(await pendingEmails()).not.toContain('gone@example.test');
    expect((await server.app.inject({ method: 'DELETE', url, headers: admin })).statusCode).toBe(404);
  });

  it('answers 404 in words for a link that never existed', async () => {
    const res = await byToken('pi_nothing-like-this');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { message: 'invitation not found' } });
  });

  it('refuses a weak password or a taken login and keeps the link usable', async () => {
    const token = await invite('dave@example.test');
    const weak = await accept(token, { login: 'dave', password: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ error: { details: [{ field: 'password' }] } });
    await insertUser(server, { login: 'taken' });
    const taken = await accept(token, { login: 'TAKEN' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ error: { details: [{ field: 'login', message: 'is taken' }] } });
    expect((await accept(token, { login: 'dave' })).statusCode).toBe(201);
  });

  it('refuses a second pending invitation of the same address', async () => {
    await invite('twice@example.test');
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: admin,
      payload: { email: 'TWICE@example.test', role: 'member' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { details: [{ field: 'email' }] } });
  });

  it('saves nothing when the invitation email cannot be handed to the SMTP server', async () => {
    const unreachable = { ...server.ctx, config: { ...server.ctx.config, smtpUrl: 'smtp://127.0.0.1:1' } };
    const adminUser = await server.ctx.db
      .selectFrom('users')
      .selectAll()
      .where('login', '=', 'admin')
      .executeTakeFirstOrThrow();
    const actor = { id: adminUser.id, login: adminUser.login, ip: null };
    await expect(
      createInvitation(unreachable, adminUser, actor, { email: 'lost@example.test', role: 'member' }),
    ).rejects.toMatchObject({ statusCode: 502, code: 'MAIL_FAILED' });
    const rows = await server.ctx.db
      .selectFrom('invitations')
      .select('id')
      .where('email', '=', 'lost@example.test')
      .execute();
    expect(rows).toEqual([]);
  });

  it('lets only administrators invite, list and revoke', async () => {
    await insertUser(server, { login: 'mallory' });
    const member = await login(server, 'mallory', TEST_PASSWORD);
    const requests = [
      {
        method: 'POST' as const,
        url: '/api/v1/invitations',
        payload: { email: 'x@example.test', role: 'admin' },
      },
      { method: 'GET' as const, url: '/api/v1/invitations' },
      { method: 'DELETE' as const, url: '/api/v1/invitations/1' },
    ];
    for (const request of requests) {
      const res = await server.app.inject({ ...request, headers: member });
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(403);
      expect((await server.app.inject(request)).statusCode).toBe(401);
    }
  });

  it('creates exactly one user from concurrent accepts of one link', async () => {
    const token = await invite('race@example.test');
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => accept(token, { login: `racer${i}` })),
    );
    const statuses = answers.map((res) => res.statusCode).sort();
    expect(statuses).toEqual([201, 410, 410, 410, 410, 410]);
    const users = await server.ctx.db
      .selectFrom('users')
      .select('login')
      .where('email', '=', 'race@example.test')
      .execute();
    expect(users).toHaveLength(1);
  });

  it('keeps every token out of the audit, the log and the database (only its hash)', async () => {
    expect(tokens.length).toBeGreaterThan(5);
    const audit = await server.ctx.db.selectFrom('audit_events').selectAll().execute();
    const invitationAudit = audit.filter((e) => e.entity_type === 'invitation').map((e) => e.action);
    expect(invitationAudit).toEqual(expect.arrayContaining(['create', 'accept', 'revoke']));
    const stored =
      JSON.stringify(audit) +
      JSON.stringify(await server.ctx.db.selectFrom('invitations').selectAll().execute());
    const text = log.lines.join('');
    expect(text).toContain('/api/v1/invitations/by-token/[REDACTED]/accept');
    for (const token of tokens) {
      expect(stored).not.toContain(token);
      expect(text).not.toContain(token);
    }
  });
});

describe('invitations without SMTP', () => {
  let plain: TestServer;
  beforeAll(async () => {
    plain = await startTestServer({ publicUrl: PUBLIC_URL });
  });
  afterAll(async () => plain.close());

  it('answers the link once, for the admin to pass on', async () => {
    const headers = await adminSession(plain);
    const res = await plain.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers,
      payload: { email: 'erin@example.test', role: 'member' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { link, emailed } = res.json() as { link: string; emailed: boolean };
    expect(emailed).toBe(false);
    expect(link).toMatch(/^https:\/\/deploy\.example\.test\/invitations\/pi_/);
    const list = await plain.app.inject({ method: 'GET', url: '/api/v1/invitations', headers });
    expect(list.body).not.toContain(link.split('/').pop()!);
    const token = link.split('/').pop()!;
    const shown = await plain.app.inject({ method: 'GET', url: `/api/v1/invitations/by-token/${token}` });
    expect(shown.json()).toMatchObject({ email: 'erin@example.test' });
  });
});
