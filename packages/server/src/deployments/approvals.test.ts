import { beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentView, EnvironmentView } from '@polytene/protocol';
import { adminSession, signedInUser, useTestServer, type SessionHeaders } from '../test-support/server.js';
import {
  auditEvents,
  insertBranchConfig,
  insertBuild,
  insertMember,
  insertProject,
} from '../test-support/fixtures.js';
import type { BranchConfig, Environment, Project, User } from '../db/schema.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { notifyHooksOnDeploymentChange } from '../notifications/hooks.js';
import { queueDeployment } from './service.js';

const server = useTestServer();
let project: Project;
let config: BranchConfig;
let env: Environment;
let admin: SessionHeaders;
let owner: SessionHeaders;
let maintainer: SessionHeaders;
const people: Record<
  'alice' | 'bob' | 'carol' | 'vic' | 'outsider',
  { user: User; session: SessionHeaders }
> = {} as never;

async function member(login: keyof typeof people, role: 'viewer' | 'deployer' | 'maintainer' | null) {
  people[login] = await signedInUser(server, { login });
  if (role) {
    await insertMember(server, project, people[login].user);
    await server.ctx.db
      .updateTable('project_members')
      .set({ role })
      .where('user_id', '=', people[login].user.id)
      .execute();
  }
}

function call(method: 'GET' | 'POST' | 'PATCH', url: string, headers: SessionHeaders, payload?: object) {
  return server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
}

async function deployAs(session: SessionHeaders, environment = 'production') {
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  return call('POST', `/api/v1/builds/${build.id}/deployments`, session, { environment });
}

async function awaitingBy(session: SessionHeaders): Promise<DeploymentView> {
  const res = await deployAs(session);
  expect(res.statusCode).toBe(201);
  return res.json<DeploymentView>();
}

const decide = (id: number, session: SessionHeaders, decision: 'approve' | 'reject', comment?: string) =>
  call('POST', `/api/v1/deployments/${id}/approvals`, session, { decision, ...(comment ? { comment } : {}) });

beforeAll(async () => {
  admin = await adminSession(server);
  const ownerUser = await signedInUser(server, { login: 'owner' });
  owner = ownerUser.session;
  ({ project } = await insertProject(server, { name: 'shop', owner_id: ownerUser.user.id }));
  const m = await signedInUser(server, { login: 'maint' });
  maintainer = m.session;
  await insertMember(server, project, m.user);
  await server.ctx.db
    .updateTable('project_members')
    .set({ role: 'maintainer' })
    .where('user_id', '=', m.user.id)
    .execute();
  await member('alice', 'deployer');
  await member('bob', 'deployer');
  await member('carol', 'deployer');
  await member('vic', 'viewer');
  await member('outsider', null);
  config = await insertBranchConfig(server, { project_id: project.id, environment: 'production' });
  env = await server.ctx.db
    .selectFrom('environments')
    .selectAll()
    .where('project_id', '=', project.id)
    .where('name', '=', 'production')
    .executeTakeFirstOrThrow();
  const res = await call('PATCH', `/api/v1/environments/${env.id}`, owner, {
    protected: true,
    required_approvals: 2,
    deployers: [people.alice.user.id, people.carol.user.id],
  });
  expect(res.statusCode).toBe(200);
});

describe('environment protection settings', () => {
  it('shows protection, required approvals and the deployers, and audits the change', async () => {
    const res = await call('GET', `/api/v1/environments/${env.id}`, people.vic.session);
    expect(res.json<EnvironmentView>()).toMatchObject({
      protected: true,
      required_approvals: 2,
      deployers: [
        { id: people.alice.user.id, login: 'alice' },
        { id: people.carol.user.id, login: 'carol' },
      ],
    });
    const [audit] = await auditEvents(server, {
      action: 'update',
      entity_type: 'environment',
      entity_id: String(env.id),
    });
    expect(audit?.before).toMatchObject({ protected: false, required_approvals: 0, deployers: [] });
    expect(audit?.after).toMatchObject({
      protected: true,
      required_approvals: 2,
      deployers: [people.alice.user.id, people.carol.user.id],
    });
  });

  it('is changed only by maintainers', async () => {
    const res = await call('PATCH', `/api/v1/environments/${env.id}`, people.alice.session, {
      protected: false,
    });
    expect(res.statusCode).toBe(403);
  });

  it('refuses deployers who are no users or may not deploy the project, and approvals beyond 10', async () => {
    const res = await call('PATCH', `/api/v1/environments/${env.id}`, owner, {
      deployers: [people.vic.user.id, people.outsider.user.id, 999_999],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toEqual([
      'deployers.0',
      'deployers.1',
      'deployers.2',
    ]);
    expect(res.json().error.message).toContain('vic may not deploy this project');
    const tooMany = await call('PATCH', `/api/v1/environments/${env.id}`, owner, { required_approvals: 11 });
    expect(tooMany.statusCode).toBe(400);
  });
});

describe('deploying to a protected environment', () => {
  it('refuses a deployer who is not listed, naming the environment', async () => {
    const res = await deployAs(people.bob.session);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('environment production is protected');
  });

  it('allows a listed deployer, a maintainer, the owner and an admin; each waits for approval', async () => {
    for (const session of [people.alice.session, maintainer, owner, admin]) {
      const view = await awaitingBy(session);
      expect(view.status).toBe('awaiting_approval');
      expect(view.required_approvals).toBe(2);
      expect(view.waiting_for).toMatchObject({ reason: 'approval', approvals: { given: 0, required: 2 } });
    }
  });

  it('lets an unprotected environment be deployed by any deployer', async () => {
    const res = await deployAs(people.bob.session, 'qa');
    expect(res.statusCode).toBe(201);
    expect(res.json().status).toBe('queued');
  });

  it('makes automatic deployments wait for approval too, and supersedes older ones still waiting', async () => {
    const auto = async () => {
      const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
      return server.ctx.db
        .transaction()
        .execute((trx) => queueDeployment(server.ctx, trx, build, config, 'auto', SYSTEM_ACTOR));
    };
    const older = await auto();
    expect(older.status).toBe('awaiting_approval');
    const newer = await auto();
    expect(newer.status).toBe('awaiting_approval');
    const row = await server.ctx.db
      .selectFrom('deployments')
      .select(['status', 'message'])
      .where('id', '=', older.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'skipped', message: `superseded by deployment #${newer.id}` });
  });
});

describe('POST /api/v1/deployments/:id/approvals', () => {
  it('queues the deployment once N other people approved, recording and auditing each decision', async () => {
    const d = await awaitingBy(people.alice.session);
    const first = await decide(d.id, people.carol.session, 'approve', 'looks good');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      status: 'awaiting_approval',
      can_approve: false,
      waiting_for: { reason: 'approval', approvals: { given: 1, required: 2 } },
      approvals: [{ user: { login: 'carol' }, decision: 'approve', comment: 'looks good' }],
    });
    expect(first.json().waiting_for.message).toBe('waiting for approval: 1 of 2 given');
    const mine = await call('GET', `/api/v1/deployments/${d.id}`, maintainer);
    expect(mine.json().can_approve).toBe(true);
    const second = await decide(d.id, maintainer, 'approve');
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ status: 'queued', can_approve: false });
    expect(second.json().approvals).toHaveLength(2);
    const audited = await auditEvents(server, { entity_type: 'deployment', entity_id: String(d.id) });
    expect(audited.map((a) => a.action)).toEqual([
      'deployment_queued',
      'deployment_approved',
      'deployment_approved',
      'deployment_queued',
    ]);
    expect(audited[1]?.after).toMatchObject({
      decision: 'approve',
      comment: 'looks good',
      approvals: { given: 1 },
    });
    expect(audited[1]?.actor_login).toBe('carol');
    const late = await decide(d.id, owner, 'approve');
    expect(late.statusCode).toBe(409);
    expect(late.json().error.message).toContain('not awaiting approval');
  });

  it('refuses self-approval, a second decision, people who may not deploy there, and hides it from outsiders', async () => {
    const d = await awaitingBy(people.alice.session);
    const self = await decide(d.id, people.alice.session, 'approve');
    expect(self.statusCode).toBe(403);
    expect(self.json().error.message).toBe('you cannot approve your own deployment');
    expect((await call('GET', `/api/v1/deployments/${d.id}`, people.alice.session)).json().can_approve).toBe(
      false,
    );
    expect((await decide(d.id, people.bob.session, 'approve')).statusCode).toBe(403);
    expect((await decide(d.id, people.vic.session, 'approve')).statusCode).toBe(403);
    expect((await decide(d.id, people.outsider.session, 'approve')).statusCode).toBe(404);
    expect((await decide(d.id, people.carol.session, 'approve')).statusCode).toBe(200);
    const again = await decide(d.id, people.carol.session, 'approve');
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toContain('already');
  });

  it('cancels the deployment on a rejection, saying who and why', async () => {
    const d = await awaitingBy(people.alice.session);
    const res = await decide(d.id, people.carol.session, 'reject', 'not during the sale');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'canceled',
      message: 'rejected by carol: not during the sale',
      waiting_for: null,
      approvals: [{ user: { login: 'carol' }, decision: 'reject', comment: 'not during the sale' }],
    });
    const actions = (await auditEvents(server, { entity_type: 'deployment', entity_id: String(d.id) })).map(
      (a) => a.action,
    );
    expect(actions).toEqual(['deployment_queued', 'deployment_rejected', 'deployment_canceled']);
  });

  it('in an unprotected environment that requires approvals, lets any deployer approve', async () => {
    const qa = await server.ctx.db
      .selectFrom('environments')
      .select('id')
      .where('project_id', '=', project.id)
      .where('name', '=', 'qa')
      .executeTakeFirstOrThrow();
    const set = await call('PATCH', `/api/v1/environments/${qa.id}`, owner, { required_approvals: 1 });
    expect(set.json()).toMatchObject({ protected: false, required_approvals: 1, deployers: [] });
    const d = await deployAs(people.bob.session, 'qa');
    expect(d.json().status).toBe('awaiting_approval');
    expect((await decide(d.json().id, people.vic.session, 'approve')).statusCode).toBe(403);
    const res = await decide(d.json().id, people.alice.session, 'approve');
    expect(res.json().status).toBe('queued');
  });

  it('refuses a decision that is not approve or reject', async () => {
    const d = await awaitingBy(people.alice.session);
    const res = await call('POST', `/api/v1/deployments/${d.id}/approvals`, people.carol.session, {
      decision: 'maybe',
    });
    expect(res.statusCode).toBe(400);
  });

  it('lets a person cancel a deployment awaiting approval', async () => {
    const d = await awaitingBy(people.alice.session);
    const res = await call('POST', `/api/v1/deployments/${d.id}/cancel`, people.alice.session);
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('canceled');
  });

  it('refuses a cancel by a deployer who may not deploy to the protected environment', async () => {
    const d = await awaitingBy(people.alice.session);
    const res = await call('POST', `/api/v1/deployments/${d.id}/cancel`, people.bob.session);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('environment production is protected');
    expect((await call('GET', `/api/v1/deployments/${d.id}`, admin)).json().status).toBe('awaiting_approval');
  });
});

describe('the awaiting approval notification', () => {
  it('is delivered to hooks that asked for it', async () => {
    const hook = await server.ctx.db
      .insertInto('notification_hooks')
      .values({
        project_id: project.id,
        kind: 'webhook',
        url: 'https://hooks.example.test/x',
        events: ['awaiting_approval'],
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const d = await awaitingBy(people.alice.session);
    await notifyHooksOnDeploymentChange(server.ctx, { deployment_id: d.id, status: 'awaiting_approval' });
    const deliveries = await server.ctx.db
      .selectFrom('notification_hook_deliveries')
      .select(['event', 'deployment_id'])
      .where('hook_id', '=', hook.id)
      .execute();
    expect(deliveries).toEqual([{ event: 'awaiting_approval', deployment_id: d.id }]);
  });
});
