import { beforeAll, describe, expect, it } from 'vitest';
import { adminSession, useTestServer, type SessionHeaders, signedInUser } from '../test-support/server.js';
import { insertProject, auditEvents } from '../test-support/fixtures.js';
import { hashToken } from '../secrets.js';
import { OFFERED_RUNNER_VERSION } from '../downloads/runner-bundle.js';
import type { User } from '../db/schema.js';

const server = useTestServer({ leaseSeconds: 60 });
let admin: SessionHeaders;
let alice: User;
let aliceSession: SessionHeaders;
let bobSession: SessionHeaders;
beforeAll(async () => {
  admin = await adminSession(server);
  ({ user: alice, session: aliceSession } = await signedInUser(server, { login: 'alice' }));
  ({ session: bobSession } = await signedInUser(server, { login: 'bob' }));
});

async function createRunner(headers: SessionHeaders, payload: Record<string, unknown>) {
  return server.app.inject({ method: 'POST', url: '/api/v1/runners', headers, payload });
}

describe('registering runners', () => {
  it('gives the creator a prt_ token once, stores only its hash and audits without it', async () => {
    const res = await createRunner(aliceSession, { name: 'deploy-host' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.token).toMatch(/^prt_/);
    expect(body).toMatchObject({
      name: 'deploy-host',
      owner: { id: alice.id, login: 'alice' },
      shared: false,
      active: true,
      online: false,
      projects: [],
    });
    const row = await server.ctx.db
      .selectFrom('runners')
      .selectAll()
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(body.token));
    const shown = await server.app.inject({
      method: 'GET',
      url: `/api/v1/runners/${body.id}`,
      headers: aliceSession,
    });
    expect(shown.json()).not.toHaveProperty('token');
    const audit = await auditEvents(server, { entity_type: 'runner' });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(body.token);
  });

  it('lets only an admin share a runner, naming the field', async () => {
    const res = await createRunner(aliceSession, { name: 'mine', shared: true });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details[0].field).toBe('shared');
    const shared = await createRunner(admin, { name: 'shared-one', shared: true });
    expect(shared.statusCode).toBe(201);
    expect(shared.json().shared).toBe(true);
  });

  it('rejects an empty name, a wrong type and an unknown field', async () => {
    for (const [payload, field] of [
      [{ name: '' }, 'name'],
      [{ name: 'x', shared: 'yes' }, 'shared'],
      [{ name: 'x', token: 'mine' }, 'token'],
    ] as const) {
      const res = await createRunner(aliceSession, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });
});

describe('who sees and changes runners', () => {
  it('shows a member their own and shared runners, an admin all of them', async () => {
    await createRunner(bobSession, { name: 'bobs' });
    const names = async (headers: SessionHeaders) =>
      (
        (await server.app.inject({ method: 'GET', url: '/api/v1/runners', headers })).json().runners as {
          name: string;
        }[]
      )
        .map((r) => r.name)
        .sort();
    expect(await names(aliceSession)).toEqual(['deploy-host', 'shared-one']);
    expect(await names(bobSession)).toEqual(['bobs', 'shared-one']);
    expect(await names(admin)).toEqual(['bobs', 'deploy-host', 'shared-one']);
  });

  it("answers 404 for someone else's private runner and 403 for changing a shared one", async () => {
    const runners = (
      await server.app.inject({ method: 'GET', url: '/api/v1/runners', headers: admin })
    ).json().runners as { id: number; name: string }[];
    const bobs = runners.find((r) => r.name === 'bobs')!;
    const shared = runners.find((r) => r.name === 'shared-one')!;
    for (const [method, url] of [
      ['GET', `/api/v1/runners/${bobs.id}`],
      ['PATCH', `/api/v1/runners/${bobs.id}`],
      ['DELETE', `/api/v1/runners/${bobs.id}`],
      ['POST', `/api/v1/runners/${bobs.id}/token`],
    ] as const) {
      const res = await server.app.inject({
        method,
        url,
        headers: aliceSession,
        ...(method === 'PATCH' ? { payload: { name: 'x' } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const pause = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/runners/${shared.id}`,
      headers: aliceSession,
      payload: { active: false },
    });
    expect(pause.statusCode).toBe(403);
    const adminShares = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/runners/${bobs.id}`,
      headers: admin,
      payload: { shared: true },
    });
    expect(adminShares.json().shared).toBe(true);
    const ownerShares = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/runners/${bobs.id}`,
      headers: bobSession,
      payload: { shared: false },
    });
    expect(ownerShares.statusCode).toBe(403);
  });

  it('pauses a runner, audits it, and reports online from last_seen_at and linked visible projects', async () => {
    const created = (await createRunner(aliceSession, { name: 'pausable' })).json();
    await server.ctx.db
      .updateTable('runners')
      .set({ last_seen_at: new Date() })
      .where('id', '=', created.id)
      .execute();
    await insertProject(server, { name: 'visible', owner_id: alice.id, runner_id: created.id });
    await insertProject(server, { name: 'hidden', owner_id: null, runner_id: created.id });
    const res = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/runners/${created.id}`,
      headers: aliceSession,
      payload: { active: false, name: 'paused' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ active: false, name: 'paused', online: true });
    expect(res.json().projects.map((p: { name: string }) => p.name)).toEqual(['visible']);
    const asAdmin = await server.app.inject({
      method: 'GET',
      url: `/api/v1/runners/${created.id}`,
      headers: admin,
    });
    expect(asAdmin.json().projects.map((p: { name: string }) => p.name)).toEqual(['hidden', 'visible']);
    const [event] = await auditEvents(server, { action: 'pause' });
    expect(event).toMatchObject({
      entity_id: String(created.id),
      before: { active: true },
      after: { active: false, name: 'paused' },
    });

    await server.ctx.db
      .updateTable('runners')
      .set({ last_seen_at: new Date(Date.now() - 61_000) })
      .where('id', '=', created.id)
      .execute();
    const stale = await server.app.inject({
      method: 'GET',
      url: `/api/v1/runners/${created.id}`,
      headers: aliceSession,
    });
    expect(stale.json().online).toBe(false);
  });

  it('regenerates a token so that the old one stops matching, without auditing either token', async () => {
    const created = (await createRunner(aliceSession, { name: 'rotated' })).json();
    const res = await server.app.inject({
      method: 'POST',
      url: `/api/v1/runners/${created.id}/token`,
      headers: aliceSession,
    });
    expect(res.statusCode).toBe(200);
    const token = res.json().token as string;
    expect(token).toMatch(/^prt_/);
    expect(token).not.toBe(created.token);
    const row = await server.ctx.db
      .selectFrom('runners')
      .select('token_hash')
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(token));
    const audit = await auditEvents(server, { action: 'token_regenerate' });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it('deletes a runner, unlinking its projects, audited', async () => {
    const created = (await createRunner(aliceSession, { name: 'doomed' })).json();
    const { project } = await insertProject(server, { owner_id: alice.id, runner_id: created.id });
    const res = await server.app.inject({
      method: 'DELETE',
      url: `/api/v1/runners/${created.id}`,
      headers: aliceSession,
    });
    expect(res.statusCode).toBe(204);
    const after = await server.ctx.db
      .selectFrom('projects')
      .select('runner_id')
      .where('id', '=', project.id)
      .executeTakeFirstOrThrow();
    expect(after.runner_id).toBeNull();
    const gone = await server.app.inject({
      method: 'GET',
      url: `/api/v1/runners/${created.id}`,
      headers: aliceSession,
    });
    expect(gone.statusCode).toBe(404);
    const events = await auditEvents(server, { action: 'delete', entity_type: 'runner' });
    expect(events[0]?.before).toMatchObject({ name: 'doomed' });
  });
});

describe('runner versions', () => {
  const hello = (token: string, version: string) =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/runner/hello',
      headers: { authorization: `Bearer ${token}` },
      payload: { version, hostname: 'deploy-1', public_key: null, concurrency: 1 },
    });

  it('flags a runner whose version differs from the one this server offers', async () => {
    const created = (await createRunner(admin, { name: 'versioned' })).json();
    const shown = async () =>
      (
        await server.app.inject({ method: 'GET', url: `/api/v1/runners/${created.id}`, headers: admin })
      ).json();
    const before = await shown();
    expect(before.offered_version).toBe(OFFERED_RUNNER_VERSION);
    expect(before.version_current).toBeNull();

    expect((await hello(created.token, '0.0.1-old')).statusCode).toBe(200);
    expect(await shown()).toMatchObject({ version: '0.0.1-old', version_current: false });

    expect((await hello(created.token, OFFERED_RUNNER_VERSION)).statusCode).toBe(200);
    expect(await shown()).toMatchObject({ version: OFFERED_RUNNER_VERSION, version_current: true });
  });

  it('offers the version in packages/runner/package.json, which the served bundle is built from', async () => {
    const { readFile } = await import('node:fs/promises');
    const manifest = JSON.parse(
      await readFile(new URL('../../../runner/package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(OFFERED_RUNNER_VERSION).toBe(manifest.version);
  });
});
