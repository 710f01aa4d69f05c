import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  insertUser,
  useTestServer,
  type SessionHeaders,
  signedInUser,
} from '../test-support/server.js';
import { insertProject } from '../test-support/fixtures.js';
import { recordAudit } from './service.js';
import type { Project, User } from '../db/schema.js';

const server = useTestServer();
let admin: SessionHeaders;
let alice: User;
let bob: User;
let aliceSession: SessionHeaders;
let alicesProject: Project;
let bobsProject: Project;
beforeAll(async () => {
  admin = await adminSession(server);
  ({ user: alice, session: aliceSession } = await signedInUser(server, { login: 'alice' }));
  bob = await insertUser(server, { login: 'bob' });
  ({ project: alicesProject } = await insertProject(server, { owner_id: alice.id, name: 'alices' }));
  ({ project: bobsProject } = await insertProject(server, { owner_id: bob.id, name: 'bobs' }));
  const db = server.ctx.db;
  const asBob = { id: bob.id, login: 'bob', ip: '10.0.0.2' };
  await recordAudit(db, {
    actor: asBob,
    action: 'update',
    entityType: 'project',
    entityId: bobsProject.id,
    projectId: bobsProject.id,
  });
  await recordAudit(db, {
    actor: asBob,
    action: 'update',
    entityType: 'project',
    entityId: alicesProject.id,
    projectId: alicesProject.id,
    before: { name: 'old' },
    after: { name: 'alices', webhook_secret: 'shh' },
  });
  await recordAudit(db, { actor: asBob, action: 'create', entityType: 'runner', entityId: 7 });
  await recordAudit(db, {
    actor: { id: alice.id, login: 'alice', ip: '10.0.0.1' },
    action: 'create',
    entityType: 'runner',
    entityId: 8,
  });
});

interface Entry {
  id: number;
  actor: { id: number | null; login: string | null };
  action: string;
  entity_type: string;
  entity_id: string | null;
  project_id: number | null;
  before: unknown;
  after: unknown;
}

async function audit(headers: SessionHeaders, query = '') {
  const res = await server.app.inject({ method: 'GET', url: `/api/v1/audit${query}`, headers });
  return { status: res.statusCode, body: res.json() as { events: Entry[]; next_before_id: number | null } };
}

describe('the audit log', () => {
  it('shows an admin every event, newest first, with actor, entity, before and after (secrets redacted)', async () => {
    const { status, body } = await audit(admin, '?project_id=' + alicesProject.id);
    expect(status).toBe(200);
    expect(body.events).toHaveLength(1);
    expect(body.events[0]).toMatchObject({
      actor: { id: bob.id, login: 'bob' },
      action: 'update',
      entity_type: 'project',
      entity_id: String(alicesProject.id),
      project_id: alicesProject.id,
      before: { name: 'old' },
      after: { name: 'alices', webhook_secret: '[redacted]' },
      ip: '10.0.0.2',
    });
    const all = await audit(admin);
    const ids = all.body.events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(all.body.events.some((e) => e.project_id === bobsProject.id)).toBe(true);
  });

  it("shows a member the events of projects they can view and their own actions, nothing of others'", async () => {
    const { body } = await audit(aliceSession);
    const seen = body.events.map((e) => `${e.actor.login}:${e.entity_type}:${e.entity_id}`);
    expect(seen).toContain(`bob:project:${alicesProject.id}`);
    expect(seen).toContain('alice:runner:8');
    expect(seen).toContain('alice:session:' + body.events.find((e) => e.action === 'login')?.entity_id);
    expect(seen).not.toContain(`bob:project:${bobsProject.id}`);
    expect(seen).not.toContain('bob:runner:7');
    const filtered = await audit(aliceSession, `?project_id=${bobsProject.id}`);
    expect(filtered.body.events).toEqual([]);
  });

  it('filters by actor, entity type and action, and pages with before_id', async () => {
    const byBob = await audit(admin, `?actor_id=${bob.id}&entity_type=project&action=update`);
    expect(byBob.body.events).toHaveLength(2);
    const first = await audit(admin, '?limit=2');
    expect(first.body.events).toHaveLength(2);
    expect(first.body.next_before_id).toBe(first.body.events[1]!.id);
    const second = await audit(admin, `?limit=2&before_id=${first.body.next_before_id}`);
    expect(second.body.events[0]!.id).toBeLessThan(first.body.events[1]!.id);
    const everything = await audit(admin, '?limit=200');
    expect(everything.body.next_before_id).toBeNull();
  });

  it('rejects a bad filter naming it, and answers 401 without a login', async () => {
    for (const [query, field] of [
      ['?limit=201', 'limit'],
      ['?actor_id=abc', 'actor_id'],
      ['?before_id=0', 'before_id'],
      ['?colour=red', 'colour'],
    ] as const) {
      const res = await server.app.inject({ method: 'GET', url: `/api/v1/audit${query}`, headers: admin });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect((await server.app.inject({ method: 'GET', url: '/api/v1/audit' })).statusCode).toBe(401);
  });
});
