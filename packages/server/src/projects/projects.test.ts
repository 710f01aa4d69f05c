import { beforeAll, describe, expect, it } from 'vitest';
import { adminSession, useTestServer, type SessionHeaders, signedInUser } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
  auditEvents,
} from '../test-support/fixtures.js';
import { hashToken } from '../secrets.js';
import type { User } from '../db/schema.js';

const server = useTestServer({ publicUrl: 'https://deploy.example.test' });
let admin: SessionHeaders;
let alice: User;
let bob: User;
let aliceSession: SessionHeaders;
let bobSession: SessionHeaders;
beforeAll(async () => {
  admin = await adminSession(server);
  ({ user: alice, session: aliceSession } = await signedInUser(server, { login: 'alice' }));
  ({ user: bob, session: bobSession } = await signedInUser(server, { login: 'bob' }));
});

const valid = { name: 'shop', clone_url: 'git@gitlab.example.test:team/shop.git' };

function create(headers: SessionHeaders, payload: Record<string, unknown>) {
  return server.app.inject({ method: 'POST', url: '/api/v1/projects', headers, payload });
}

function fieldsOf(body: { error: { details?: { field: string }[] } }): string[] {
  return (body.error.details ?? []).map((d) => d.field);
}

describe('creating projects', () => {
  it('makes the creator the owner and shows them the webhook secret and URLs', async () => {
    const { runner } = await insertRunner(server, { owner_id: alice.id, name: 'alices' });
    const res = await create(aliceSession, { ...valid, default_branch: 'release/1.x', runner_id: runner.id });
    expect(res.statusCode).toBe(201);
    const project = res.json();
    expect(project).toMatchObject({
      name: 'shop',
      source: 'manual',
      default_branch: 'release/1.x',
      public: false,
      owner: { id: alice.id, login: 'alice' },
      runner: { id: runner.id, name: 'alices' },
      access: 'manage',
      deploy_key_state: null,
    });
    const secret = project.webhook_secret as string;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(project.webhook_urls).toEqual({
      gitlab: `https://deploy.example.test/api/v1/projects/${project.id}/hooks/gitlab`,
      legacy: `https://deploy.example.test/api/v1/builds/${secret}/create`,
      github: `https://deploy.example.test/api/v1/projects/${project.id}/hooks/github`,
    });
    const row = await server.ctx.db
      .selectFrom('projects')
      .selectAll()
      .where('id', '=', project.id)
      .executeTakeFirstOrThrow();
    expect(row.webhook_secret_hash).toBe(hashToken(secret));
    expect(row.webhook_secret_encrypted).not.toContain(secret);
    expect(server.ctx.secrets.decrypt(row.webhook_secret_encrypted)).toBe(secret);

    const audit = await auditEvents(server, { entity_type: 'project' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'create', actor_id: alice.id, project_id: project.id });
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('names the field for a bad clone URL, a bad branch, a wrong type and an unknown field', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...valid, clone_url: 'http://insecure.example.test/a.git' }, 400, 'clone_url'],
      [{ ...valid, clone_url: '--upload-pack=evil' }, 400, 'clone_url'],
      [{ ...valid, default_branch: 'feature..x' }, 400, 'default_branch'],
      [{ ...valid, default_branch: 'has space' }, 400, 'default_branch'],
      [{ ...valid, public: 'yes' }, 400, 'public'],
      [{ ...valid, owner_id: 1 }, 400, 'owner_id'],
      [{ clone_url: valid.clone_url }, 400, 'name'],
    ];
    for (const [payload, status, field] of cases) {
      const res = await create(aliceSession, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(fieldsOf(res.json())).toContain(field);
    }
  });

  it('refuses to link a runner the caller may not use, but allows a shared one and lets an admin use any', async () => {
    const { runner: bobs } = await insertRunner(server, { owner_id: bob.id });
    const { runner: shared } = await insertRunner(server, { shared: true });
    const refused = await create(aliceSession, { ...valid, runner_id: bobs.id });
    expect(refused.statusCode).toBe(400);
    expect(fieldsOf(refused.json())).toEqual(['runner_id']);
    const missing = await create(aliceSession, { ...valid, runner_id: 999_999 });
    expect(fieldsOf(missing.json())).toEqual(['runner_id']);
    expect((await create(aliceSession, { ...valid, runner_id: shared.id })).statusCode).toBe(201);
    expect((await create(admin, { ...valid, runner_id: bobs.id })).statusCode).toBe(201);
  });
});

describe('who sees and changes projects', () => {
  it('lists visible projects only, searches by name and paginates with a total', async () => {
    await insertProject(server, { name: 'bob-private', owner_id: bob.id });
    await insertProject(server, { name: 'bob-public', owner_id: bob.id, public: true });
    const names = async (headers: SessionHeaders, query = '') => {
      const res = await server.app.inject({ method: 'GET', url: `/api/v1/projects${query}`, headers });
      return res.json() as { projects: { name: string; webhook_secret?: string }[]; total: number };
    };
    const forAlice = await names(aliceSession, '?q=bob');
    expect(forAlice.projects.map((p) => p.name)).toEqual(['bob-public']);
    expect(forAlice.projects[0]).not.toHaveProperty('webhook_secret');
    const forAdmin = await names(admin, '?q=BOB');
    expect(forAdmin.projects.map((p) => p.name)).toEqual(['bob-private', 'bob-public']);
    const page = await names(admin, '?per_page=2&page=2');
    expect(page.projects).toHaveLength(2);
    expect(page.total).toBeGreaterThanOrEqual(5);
    const bad = await server.app.inject({
      method: 'GET',
      url: '/api/v1/projects?per_page=1000',
      headers: admin,
    });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad.json())).toContain('per_page');
  });

  it('answers 404 to an outsider, 403 to a viewer who tries to change, and lets an admin change', async () => {
    const { project: hidden } = await insertProject(server, { owner_id: bob.id });
    const { project: open } = await insertProject(server, { owner_id: bob.id, public: true });
    for (const [method, url] of [
      ['GET', `/api/v1/projects/${hidden.id}`],
      ['PATCH', `/api/v1/projects/${hidden.id}`],
      ['DELETE', `/api/v1/projects/${hidden.id}`],
      ['POST', `/api/v1/projects/${hidden.id}/webhook-secret`],
      ['GET', `/api/v1/projects/${hidden.id}/members`],
    ] as const) {
      const res = await server.app.inject({
        method,
        url,
        headers: aliceSession,
        ...(method === 'PATCH' ? { payload: { name: 'x' } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const view = await server.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${open.id}`,
      headers: aliceSession,
    });
    expect(view.json()).toMatchObject({ access: 'view', owner: { login: 'bob' } });
    expect(view.json()).not.toHaveProperty('webhook_secret');
    const change = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/projects/${open.id}`,
      headers: aliceSession,
      payload: { name: 'mine' },
    });
    expect(change.statusCode).toBe(403);
    const byAdmin = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/projects/${open.id}`,
      headers: admin,
      payload: { public: false, runner_id: null },
    });
    expect(byAdmin.statusCode).toBe(200);
    expect(byAdmin.json()).toMatchObject({ public: false, access: 'manage' });
    expect(byAdmin.json().webhook_secret).toBeTypeOf('string');
  });

  it('updates a project with the same validation and audits before and after', async () => {
    const created = (await create(aliceSession, { ...valid, name: 'to-change' })).json();
    const bad = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/projects/${created.id}`,
      headers: aliceSession,
      payload: { clone_url: 'ftp://x/y' },
    });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad.json())).toEqual(['clone_url']);
    const res = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/projects/${created.id}`,
      headers: aliceSession,
      payload: {
        name: 'changed',
        clone_url: 'https://gitlab.example.test/team/changed.git',
        default_branch: 'develop',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'changed', default_branch: 'develop' });
    const [event] = await auditEvents(server, { action: 'update', entity_id: String(created.id) });
    expect(event?.before).toMatchObject({ name: 'to-change', default_branch: 'main' });
    expect(event?.after).toMatchObject({ name: 'changed', default_branch: 'develop' });
  });

  it('regenerates the webhook secret so the old one no longer matches', async () => {
    const created = (await create(aliceSession, { ...valid, name: 'rotate' })).json();
    const res = await server.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${created.id}/webhook-secret`,
      headers: aliceSession,
    });
    expect(res.statusCode).toBe(200);
    const secret = res.json().webhook_secret as string;
    expect(secret).not.toBe(created.webhook_secret);
    expect(res.json().webhook_urls.legacy).toContain(secret);
    const row = await server.ctx.db
      .selectFrom('projects')
      .select('webhook_secret_hash')
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(row.webhook_secret_hash).toBe(hashToken(secret));
    const audit = await auditEvents(server, { action: 'webhook_secret_regenerate' });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('deletes a project for its owner, audited', async () => {
    const created = (await create(aliceSession, { ...valid, name: 'doomed' })).json();
    const res = await server.app.inject({
      method: 'DELETE',
      url: `/api/v1/projects/${created.id}`,
      headers: aliceSession,
    });
    expect(res.statusCode).toBe(204);
    const gone = await server.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${created.id}`,
      headers: aliceSession,
    });
    expect(gone.statusCode).toBe(404);
    const [event] = await auditEvents(server, { action: 'delete', entity_type: 'project' });
    expect(event).toMatchObject({ entity_id: String(created.id), before: { name: 'doomed' } });
  });
});

describe('project members', () => {
  it('lets the owner add and remove members, who then may see (but not manage) the project', async () => {
    const created = (await create(aliceSession, { ...valid, name: 'team' })).json();
    const url = `/api/v1/projects/${created.id}/members/${bob.id}`;
    const before = await server.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${created.id}`,
      headers: bobSession,
    });
    expect(before.statusCode).toBe(404);

    const add = await server.app.inject({ method: 'PUT', url, headers: aliceSession });
    expect(add.statusCode).toBe(201);
    expect(add.json().user).toMatchObject({ id: bob.id, login: 'bob' });
    expect((await server.app.inject({ method: 'PUT', url, headers: aliceSession })).statusCode).toBe(200);

    const asMember = await server.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${created.id}`,
      headers: bobSession,
    });
    expect(asMember.json()).toMatchObject({ access: 'deploy' });
    expect(asMember.json()).not.toHaveProperty('webhook_secret');
    const memberAdds = await server.app.inject({
      method: 'PUT',
      url: `/api/v1/projects/${created.id}/members/${alice.id}`,
      headers: bobSession,
    });
    expect(memberAdds.statusCode).toBe(403);

    const list = await server.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${created.id}/members`,
      headers: aliceSession,
    });
    expect(list.json().members.map((m: { user: { login: string } }) => m.user.login)).toEqual(['bob']);

    const unknownUser = await server.app.inject({
      method: 'PUT',
      url: `/api/v1/projects/${created.id}/members/999999`,
      headers: aliceSession,
    });
    expect(unknownUser.statusCode).toBe(400);
    expect(fieldsOf(unknownUser.json())).toEqual(['user_id']);

    expect((await server.app.inject({ method: 'DELETE', url, headers: aliceSession })).statusCode).toBe(204);
    expect((await server.app.inject({ method: 'DELETE', url, headers: aliceSession })).statusCode).toBe(404);
    const actions = await server.ctx.db
      .selectFrom('audit_events')
      .select('action')
      .where('entity_type', '=', 'project_member')
      .orderBy('id')
      .execute();
    expect(actions.map((a) => a.action)).toEqual(['member_add', 'member_remove']);
  });
});

describe('member roles and permissions', () => {
  const NONE = {
    deploy: false,
    edit_branches: false,
    edit_environments: false,
    edit_variables: false,
    edit_project: false,
    delete_project: false,
    manage_members: false,
  };
  const ALL = {
    deploy: true,
    edit_branches: true,
    edit_environments: true,
    edit_variables: true,
    edit_project: true,
    delete_project: true,
    manage_members: true,
  };

  async function projectAs(headers: SessionHeaders, id: number) {
    return server.app.inject({ method: 'GET', url: `/api/v1/projects/${id}`, headers });
  }

  /** One call per permission; each answers 403 exactly when the caller lacks that permission. */
  let probes = 0;
  async function probe(headers: SessionHeaders, projectId: number): Promise<Record<string, boolean>> {
    probes += 1;
    const config = await insertBranchConfig(server, {
      project_id: projectId,
      branch_name: `probe-${probes}`,
    });
    const build = await insertBuild(server, { project_id: projectId, branch_config_id: config.id });
    const deployment = await insertQueuedDeployment(server, build, config);
    const branchUrl = `/api/v1/projects/${projectId}/branches/${config.id}`;
    const calls: Record<string, () => Promise<{ statusCode: number }>> = {
      deploy: () =>
        server.app.inject({ method: 'POST', url: `/api/v1/deployments/${deployment.id}/cancel`, headers }),
      edit_branches: () =>
        server.app.inject({ method: 'PATCH', url: branchUrl, headers, payload: { timeout_seconds: 60 } }),
      edit_environments: () =>
        server.app.inject({
          method: 'POST',
          url: `/api/v1/projects/${projectId}/environments`,
          headers,
          payload: { name: `probe-env-${probes}` },
        }),
      edit_variables: () =>
        server.app.inject({
          method: 'PATCH',
          url: branchUrl,
          headers,
          payload: { variables: [{ key: 'A', value: '1', secret: false }] },
        }),
      edit_project: () =>
        server.app.inject({ method: 'PATCH', url: `/api/v1/projects/${projectId}`, headers, payload: {} }),
      manage_members: () =>
        server.app.inject({ method: 'GET', url: `/api/v1/projects/${projectId}/members`, headers }),
      delete_project: () =>
        server.app.inject({ method: 'DELETE', url: `/api/v1/projects/${projectId}`, headers }),
    };
    const allowed: Record<string, boolean> = {};
    for (const [name, call] of Object.entries(calls)) {
      const res = await call();
      expect(res.statusCode, name).toBeLessThan(500);
      allowed[name] = res.statusCode !== 403;
    }
    return allowed;
  }

  it('reports what each role may do, and the server allows exactly that', async () => {
    const expected = {
      viewer: NONE,
      deployer: { ...NONE, deploy: true },
      maintainer: ALL,
    };
    for (const [role, permissions] of Object.entries(expected)) {
      const project = (await create(aliceSession, { ...valid, name: `roles-${role}` })).json();
      const add = await server.app.inject({
        method: 'POST',
        url: `/api/v1/projects/${project.id}/members`,
        headers: aliceSession,
        payload: { login: 'bob', role },
      });
      expect(add.statusCode).toBe(201);
      expect(add.json()).toMatchObject({ user: { login: 'bob' }, role });
      const view = (await projectAs(bobSession, project.id)).json();
      expect(view.permissions, role).toEqual(permissions);
      expect(await probe(bobSession, project.id), role).toEqual(permissions);
    }
  });

  it("gives the owner and an admin every permission, a public project's visitor none", async () => {
    const project = (await create(aliceSession, { ...valid, name: 'open', public: true })).json();
    expect(project.permissions).toEqual(ALL);
    expect((await projectAs(admin, project.id)).json().permissions).toEqual(ALL);
    const visitor = (await projectAs(bobSession, project.id)).json();
    expect(visitor).toMatchObject({ access: 'view', permissions: NONE });
    expect(await probe(bobSession, project.id)).toEqual(NONE);
    expect(await probe(admin, project.id)).toEqual(ALL);
  });

  it('adds by login, changes and removes roles, and refuses what makes no sense', async () => {
    const project = (await create(aliceSession, { ...valid, name: 'crew' })).json();
    const members = `/api/v1/projects/${project.id}/members`;
    const post = (payload: Record<string, unknown>, headers = aliceSession) =>
      server.app.inject({ method: 'POST', url: members, headers, payload });

    expect((await post({ login: 'bob', role: 'viewer' })).statusCode).toBe(201);
    const again = await post({ login: 'bob', role: 'maintainer' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'ALREADY_MEMBER', message: 'bob is a member already' });
    const owner = await post({ login: 'alice', role: 'viewer' });
    expect(owner.statusCode).toBe(409);
    expect(owner.json().error).toMatchObject({ code: 'PROJECT_OWNER' });
    const nobody = await post({ login: 'nobody-here', role: 'viewer' });
    expect(nobody.statusCode).toBe(400);
    expect(fieldsOf(nobody.json())).toEqual(['login']);
    expect((await post({ login: 'bob', role: 'superuser' })).statusCode).toBe(400);

    // A viewer may not manage members, so cannot raise themselves.
    const selfRaise = await server.app.inject({
      method: 'PATCH',
      url: `${members}/${bob.id}`,
      headers: bobSession,
      payload: { role: 'maintainer' },
    });
    expect(selfRaise.statusCode).toBe(403);

    const raise = await server.app.inject({
      method: 'PATCH',
      url: `${members}/${bob.id}`,
      headers: aliceSession,
      payload: { role: 'maintainer' },
    });
    expect(raise.statusCode).toBe(200);
    expect(raise.json()).toMatchObject({ user: { login: 'bob' }, role: 'maintainer' });
    const list = await server.app.inject({ method: 'GET', url: members, headers: bobSession });
    expect(list.json().members).toMatchObject([{ user: { login: 'bob' }, role: 'maintainer' }]);

    const ownerChange = await server.app.inject({
      method: 'PATCH',
      url: `${members}/${alice.id}`,
      headers: bobSession,
      payload: { role: 'viewer' },
    });
    expect(ownerChange.statusCode).toBe(409);
    const ownerRemove = await server.app.inject({
      method: 'DELETE',
      url: `${members}/${alice.id}`,
      headers: bobSession,
    });
    expect(ownerRemove.statusCode).toBe(409);
    expect(ownerRemove.json().error).toMatchObject({ code: 'PROJECT_OWNER' });
    expect(ownerRemove.json().error.message).toMatch(/owner cannot be removed/);
    const notMember = await server.app.inject({
      method: 'PATCH',
      url: `${members}/999999`,
      headers: aliceSession,
      payload: { role: 'viewer' },
    });
    expect(notMember.statusCode).toBe(404);

    expect(
      (await server.app.inject({ method: 'DELETE', url: `${members}/${bob.id}`, headers: aliceSession }))
        .statusCode,
    ).toBe(204);
    expect((await projectAs(bobSession, project.id)).statusCode).toBe(404);
    const actions = await server.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'before', 'after'])
      .where('project_id', '=', project.id)
      .where('entity_type', '=', 'project_member')
      .orderBy('id')
      .execute();
    expect(actions).toMatchObject([
      { action: 'member_add', after: { login: 'bob', role: 'viewer' } },
      { action: 'member_role_change', before: { role: 'viewer' }, after: { role: 'maintainer' } },
      { action: 'member_remove', before: { role: 'maintainer' } },
    ]);
  });

  it('documents permissions and member roles in the OpenAPI', async () => {
    const doc = server.app.swagger() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const text = JSON.stringify(doc.paths['/api/v1/projects/{id}']);
    expect(text).toContain('manage_members');
    expect(text).toContain('edit_branches');
    expect(Object.keys(doc.paths['/api/v1/projects/{id}/members'] ?? {})).toEqual(
      expect.arrayContaining(['get', 'post']),
    );
    expect(JSON.stringify(doc.paths['/api/v1/projects/{id}/members/{user_id}'])).toContain('maintainer');
  });
});
