import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYMENT_MESSAGES } from '@polytene/protocol';
import {
  adminSession,
  insertUser,
  login,
  signedInUser,
  TEST_PASSWORD,
  useTestServer,
  type SessionHeaders,
} from '../test-support/server.js';
import {
  auditEvents,
  insertBranchConfig,
  insertBuild,
  insertMember,
  insertProject,
  insertRunner,
} from '../test-support/fixtures.js';
import type { BranchConfig, Build, Deployment, Project, Runner, User } from '../db/schema.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { queueDeployment } from '../deployments/service.js';
import { claimJob } from '../runner-protocol/claim.js';

const server = useTestServer();
let deployer: { user: User; session: SessionHeaders };
let viewer: SessionHeaders;
let stranger: SessionHeaders;

beforeAll(async () => {
  await adminSession(server);
  deployer = await signedInUser(server, { login: 'hold-dora' });
  await insertUser(server, { login: 'hold-vic' });
  viewer = await login(server, 'hold-vic', TEST_PASSWORD);
  ({ session: stranger } = await signedInUser(server, { login: 'hold-sam' }));
});

interface Setup {
  project: Project;
  config: BranchConfig;
  runner: Runner;
  envId: number;
}

/** A project with its own (online) runner, the deployer and viewer as members, an auto branch. */
async function setup(): Promise<Setup> {
  const { runner } = await insertRunner(server);
  await server.ctx.db
    .updateTable('runners')
    .set({ last_seen_at: new Date() })
    .where('id', '=', runner.id)
    .execute();
  const { project } = await insertProject(server, { runner_id: runner.id });
  await insertMember(server, project, deployer.user);
  const vic = await server.ctx.db
    .selectFrom('users')
    .select('id')
    .where('login', '=', 'hold-vic')
    .executeTakeFirstOrThrow();
  await insertMember(server, project, vic);
  await server.ctx.db
    .updateTable('project_members')
    .set({ role: 'viewer' })
    .where('user_id', '=', vic.id)
    .execute();
  const config = await insertBranchConfig(server, {
    project_id: project.id,
    deployment_type: 'auto',
    environment: 'production',
  });
  return { project, config, runner, envId: config.environment_id };
}

const build = (s: Setup): Promise<Build> =>
  insertBuild(server, { project_id: s.project.id, branch_config_id: s.config.id });

function autoDeploy(s: Setup, b: Build): Promise<Deployment> {
  return server.ctx.db
    .transaction()
    .execute((trx) => queueDeployment(server.ctx, trx, b, s.config, 'auto', SYSTEM_ACTOR));
}

async function succeed(d: Deployment): Promise<void> {
  const now = new Date();
  await server.ctx.db
    .updateTable('deployments')
    .set({ status: 'succeeded', started_at: now, finished_at: now })
    .where('id', '=', d.id)
    .execute();
}

/** Builds 1 and 2 deployed one after the other: build 2 is live. */
async function twoLive(s: Setup): Promise<[Build, Build]> {
  const first = await build(s);
  const second = await build(s);
  await succeed(await autoDeploy(s, first));
  await succeed(await autoDeploy(s, second));
  return [first, second];
}

function call(method: 'GET' | 'POST', url: string, headers: SessionHeaders, payload?: object) {
  return server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
}

const envUrl = (s: Setup, action = '') => `/api/v1/environments/${s.envId}${action}`;

async function deploymentView(id: number, session = deployer.session) {
  return (await call('GET', `/api/v1/deployments/${id}`, session)).json();
}

describe('rollbacks', () => {
  it("marks a person's deploy of a build older than the live one a rollback and holds the environment", async () => {
    const s = await setup();
    const [first] = await twoLive(s);
    const res = await call('POST', `/api/v1/builds/${first.id}/deployments`, deployer.session, {});
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ rollback: true, trigger: 'user', status: 'queued' });
    const env = (await call('GET', envUrl(s), viewer)).json();
    expect(env.hold).toMatchObject({
      by: { id: deployer.user.id, login: 'hold-dora' },
      reason: `rolled back to build #${first.id}`,
      deployment_id: res.json().id,
    });
    const [held] = await auditEvents(server, { action: 'environment_held', entity_id: String(s.envId) });
    expect(held?.actor_id).toBe(deployer.user.id);
  });

  it('does not mark a deploy of the live build or a newer one', async () => {
    const s = await setup();
    const [, second] = await twoLive(s);
    const third = await build(s);
    const again = await call('POST', `/api/v1/builds/${second.id}/deployments`, deployer.session, {});
    const newer = await call('POST', `/api/v1/builds/${third.id}/deployments`, deployer.session, {});
    expect([again.json().rollback, newer.json().rollback]).toEqual([false, false]);
    expect((await call('GET', envUrl(s), viewer)).json().hold).toBeNull();
  });

  it('records an automatic deployment of a build older than the live one as skipped, saying why', async () => {
    const s = await setup();
    const first = await build(s);
    const second = await build(s);
    await succeed(await autoDeploy(s, second));
    const late = await autoDeploy(s, first);
    expect(late.status).toBe('skipped');
    expect(late.message).toBe(DEPLOYMENT_MESSAGES.newer_build_live);
    expect(late.rollback).toBe(false);
  });

  it('rolls back to the newest older succeeded build by default, or the one named, and refuses others', async () => {
    const s = await setup();
    const [first, second] = await twoLive(s);
    const res = await call('POST', envUrl(s, '/rollback'), deployer.session);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ rollback: true, build: { id: first.id }, environment: 'production' });
    expect((await call('GET', envUrl(s), viewer)).json().hold.deployment_id).toBe(res.json().id);

    const live = await server.ctx.db
      .selectFrom('deployments')
      .select('id')
      .where('build_id', '=', second.id)
      .executeTakeFirstOrThrow();
    const notOlder = await call('POST', envUrl(s, '/rollback'), deployer.session, { deployment_id: live.id });
    expect(notOlder.statusCode).toBe(409);
    const notHere = await call('POST', envUrl(s, '/rollback'), deployer.session, {
      deployment_id: res.json().id,
    });
    expect(notHere.statusCode).toBe(400);

    const empty = await setup();
    expect((await call('POST', envUrl(empty, '/rollback'), deployer.session)).statusCode).toBe(409);
  });
});

describe('holds', () => {
  it('keeps an automatic deployment of a held environment waiting (not claimed) until resumed', async () => {
    const s = await setup();
    const held = await call('POST', envUrl(s, '/hold'), deployer.session, { reason: 'db migration' });
    expect(held.statusCode).toBe(200);
    expect(held.json().hold).toMatchObject({
      by: { login: 'hold-dora' },
      reason: 'db migration',
      deployment_id: null,
    });
    const waiting = await autoDeploy(s, await build(s));
    expect(waiting.status).toBe('queued');
    expect((await deploymentView(waiting.id)).waiting_for).toEqual({
      reason: 'hold',
      message: 'automatic deployment held by hold-dora: db migration',
      held_by: { id: deployer.user.id, login: 'hold-dora' },
      hold_reason: 'db migration',
    });
    expect(await claimJob(server.ctx, s.runner, null)).toBeNull();

    const resumed = await call('POST', envUrl(s, '/resume'), deployer.session);
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json().hold).toBeNull();
    expect((await claimJob(server.ctx, s.runner, null))?.id).toBe(waiting.id);
    const actions = (
      await auditEvents(server, { entity_type: 'environment', entity_id: String(s.envId) })
    ).map((e) => e.action);
    expect(actions).toEqual(['environment_held', 'environment_resumed']);
  });

  it("runs a person's deploy while held, not behind the held automatic one ahead of it", async () => {
    const s = await setup();
    await call('POST', envUrl(s, '/hold'), deployer.session, { reason: 'checking' });
    // The person deploys an earlier build: a newer one would supersede the automatic one.
    const earlier = await build(s);
    const auto = await autoDeploy(s, await build(s));
    const manual = await call('POST', `/api/v1/builds/${earlier.id}/deployments`, deployer.session, {});
    expect(manual.statusCode).toBe(201);
    expect((await deploymentView(manual.json().id)).waiting_for).toBeNull();
    expect((await deploymentView(auto.id)).waiting_for.reason).toBe('hold');
    expect((await claimJob(server.ctx, s.runner, null))?.id).toBe(manual.json().id);
    expect(await claimJob(server.ctx, s.runner, null)).toBeNull();
  });

  it('answers 409 to holding a held environment and resuming one not held, 400 to an empty reason', async () => {
    const s = await setup();
    expect((await call('POST', envUrl(s, '/resume'), deployer.session)).statusCode).toBe(409);
    expect((await call('POST', envUrl(s, '/hold'), deployer.session, { reason: '  ' })).statusCode).toBe(400);
    expect((await call('POST', envUrl(s, '/hold'), deployer.session, {})).statusCode).toBe(400);
    expect((await call('POST', envUrl(s, '/hold'), deployer.session, { reason: 'a' })).statusCode).toBe(200);
    expect((await call('POST', envUrl(s, '/hold'), deployer.session, { reason: 'b' })).statusCode).toBe(409);
  });

  it('lets those who may deploy hold, resume and roll back; a viewer gets 403, a stranger 404', async () => {
    const s = await setup();
    await twoLive(s);
    for (const action of ['/hold', '/resume', '/rollback']) {
      const body = action === '/hold' ? { reason: 'x' } : {};
      expect((await call('POST', envUrl(s, action), viewer, body)).statusCode).toBe(403);
      expect((await call('POST', envUrl(s, action), stranger, body)).statusCode).toBe(404);
    }
    expect((await call('POST', envUrl(s, '/hold'), deployer.session, { reason: 'x' })).statusCode).toBe(200);
    expect((await call('POST', envUrl(s, '/resume'), deployer.session)).statusCode).toBe(200);
    expect((await call('POST', envUrl(s, '/rollback'), deployer.session)).statusCode).toBe(201);
  });
});
