import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DashboardView, DeploymentView, FreezeWindowList, FreezeWindowView } from '@polytene/protocol';
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
import type { BranchConfig, Project, Runner } from '../db/schema.js';
import { queueDeployment } from '../deployments/service.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { claimJob } from '../runner-protocol/claim.js';
import { FREEZE_WAKE_TASK, sweepFreezes } from './wake.js';

const server = useTestServer();
let admin: SessionHeaders;
let maintainer: SessionHeaders;
let viewer: SessionHeaders;
let stranger: SessionHeaders;
let project: Project;
let runner: Runner;

async function setRole(userId: number, role: 'viewer' | 'maintainer') {
  await insertMember(server, project, { id: userId });
  await server.ctx.db
    .updateTable('project_members')
    .set({ role })
    .where('user_id', '=', userId)
    .where('project_id', '=', project.id)
    .execute();
}

beforeAll(async () => {
  admin = await adminSession(server);
  ({ runner } = await insertRunner(server, { shared: true }));
  ({ project } = await insertProject(server));
  const mia = await insertUser(server, { login: 'freeze-mia' });
  const vic = await insertUser(server, { login: 'freeze-vic' });
  await setRole(mia.id, 'maintainer');
  await setRole(vic.id, 'viewer');
  maintainer = await login(server, 'freeze-mia', TEST_PASSWORD);
  viewer = await login(server, 'freeze-vic', TEST_PASSWORD);
  ({ session: stranger } = await signedInUser(server, { login: 'freeze-sam' }));
  await server.ctx.db.updateTable('runners').set({ last_seen_at: new Date() }).execute();
});

function call(method: 'GET' | 'POST' | 'DELETE', url: string, headers: SessionHeaders, payload?: object) {
  return server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
}

/** A branch config deploying to an environment of its own, and that environment's id. */
async function environment(name: string): Promise<{ config: BranchConfig; id: number }> {
  const config = await insertBranchConfig(server, {
    project_id: project.id,
    branch_name: name,
    environment: name,
  });
  return { config, id: config.environment_id };
}

async function queue(config: BranchConfig) {
  const build = await insertBuild(server, {
    project_id: project.id,
    branch_config_id: config.id,
    ref: config.branch_name,
  });
  return server.ctx.db
    .transaction()
    .execute((trx) => queueDeployment(server.ctx, trx, build, config, 'user', SYSTEM_ACTOR));
}

const hour = 3600_000;
const inHours = (h: number) => new Date(Date.now() + h * hour).toISOString();

/** A once window over now, ending in `hours`. */
async function freezeNow(environmentId: number, hours = 2): Promise<FreezeWindowView> {
  const res = await call('POST', `/api/v1/environments/${environmentId}/freeze-windows`, maintainer, {
    kind: 'once',
    starts_at: inHours(-1),
    ends_at: inHours(hours),
    reason: 'release weekend',
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<FreezeWindowView>();
}

async function deployment(id: number, headers = admin): Promise<DeploymentView> {
  return (await call('GET', `/api/v1/deployments/${id}`, headers)).json<DeploymentView>();
}

describe('freeze windows API', () => {
  it('lets a maintainer add, list and delete windows, audited; viewers list, strangers get 404', async () => {
    const { id } = await environment('fw-api');
    const url = `/api/v1/environments/${id}/freeze-windows`;
    const created = await call('POST', url, maintainer, {
      kind: 'recurring',
      starts_weekday: 5,
      starts_time: '16:00',
      ends_weekday: 1,
      ends_time: '08:00',
      time_zone: 'Europe/Warsaw',
    });
    expect(created.statusCode, created.body).toBe(201);
    const window = created.json<FreezeWindowView>();
    expect(window).toMatchObject({
      kind: 'recurring',
      starts_time: '16:00',
      ends_time: '08:00',
      starts_at: null,
    });
    expect(window.created_by?.login).toBe('freeze-mia');

    const listed = await call('GET', url, viewer);
    expect(listed.statusCode).toBe(200);
    expect(listed.json<FreezeWindowList>().freeze_windows.map((w) => w.id)).toEqual([window.id]);
    expect((await call('GET', url, stranger)).statusCode).toBe(404);
    expect(
      (await call('POST', url, viewer, { kind: 'once', starts_at: inHours(1), ends_at: inHours(2) }))
        .statusCode,
    ).toBe(403);
    expect(
      (await call('POST', url, stranger, { kind: 'once', starts_at: inHours(1), ends_at: inHours(2) }))
        .statusCode,
    ).toBe(404);
    expect((await call('DELETE', `/api/v1/freeze-windows/${window.id}`, viewer)).statusCode).toBe(403);
    expect((await call('DELETE', `/api/v1/freeze-windows/${window.id}`, stranger)).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v1/freeze-windows/${window.id}`, maintainer)).statusCode).toBe(204);
    expect((await call('GET', url, viewer)).json<FreezeWindowList>().freeze_windows).toEqual([]);
    const audits = await auditEvents(server, { entity_type: 'freeze_window', entity_id: String(window.id) });
    expect(audits.map((a) => a.action)).toEqual(['create', 'delete']);
  });

  it('answers 400 naming each wrong field', async () => {
    const { id } = await environment('fw-invalid');
    const url = `/api/v1/environments/${id}/freeze-windows`;
    const fields = async (body: object) => {
      const res = await call('POST', url, maintainer, body);
      expect(res.statusCode, res.body).toBe(400);
      return res
        .json<{ error: { details: { field: string }[] } }>()
        .error.details.map((d) => d.field)
        .sort();
    };
    expect(
      await fields({
        kind: 'recurring',
        starts_weekday: 5,
        starts_time: '16:00',
        ends_weekday: 1,
        ends_time: '08:00',
        time_zone: 'Mars/Olympus',
      }),
    ).toEqual(['time_zone']);
    expect(await fields({ kind: 'recurring', starts_weekday: 7, starts_time: '25:00' })).toEqual(
      expect.arrayContaining(['starts_weekday', 'starts_time']),
    );
    expect(await fields({ kind: 'recurring', starts_weekday: 1 })).toEqual([
      'ends_time',
      'ends_weekday',
      'starts_time',
      'time_zone',
    ]);
    expect(await fields({ kind: 'once', starts_at: inHours(2), ends_at: inHours(1) })).toEqual(['ends_at']);
    expect(
      await fields({ kind: 'once', starts_at: inHours(1), ends_at: inHours(2), time_zone: 'UTC' }),
    ).toEqual(['time_zone']);
  });

  it('shows frozen_until on the environment', async () => {
    const { id } = await environment('fw-env-view');
    const before = await call('GET', `/api/v1/environments/${id}`, viewer);
    expect(before.json<{ frozen_until: string | null }>().frozen_until).toBeNull();
    const window = await freezeNow(id, 3);
    const after = await call('GET', `/api/v1/environments/${id}`, viewer);
    expect(after.json<{ frozen_until: string | null }>().frozen_until).toBe(window.ends_at);
    const board = (await call('GET', '/api/v1/dashboard', viewer)).json<DashboardView>();
    const cells = board.projects.flatMap((p) => p.environments);
    expect(cells.find((c) => c.environment.id === id)?.frozen_until).toBe(window.ends_at);
  });
});

describe('changing a freeze window', () => {
  it('lets a maintainer shorten it, checked as a whole and audited; the deployment may then start', async () => {
    const { config, id } = await environment('fw-patch');
    const window = await freezeNow(id, 5);
    const queued = await queue(config);
    const url = `/api/v1/freeze-windows/${window.id}`;
    const patch = (headers: SessionHeaders, body: object) =>
      server.app.inject({ method: 'PATCH', url, headers, payload: body });
    expect((await patch(viewer, { ends_at: inHours(1) })).statusCode).toBe(403);
    expect((await patch(stranger, { ends_at: inHours(1) })).statusCode).toBe(404);
    const backwards = await patch(maintainer, { ends_at: inHours(-2) });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json<{ error: { details: { field: string }[] } }>().error.details[0]?.field).toBe(
      'ends_at',
    );
    expect((await patch(maintainer, { time_zone: 'UTC' })).statusCode).toBe(400);
    expect(await claimJob(server.ctx, runner, null)).toBeNull();

    const ended = inHours(-0.1);
    const res = await patch(maintainer, { ends_at: ended, reason: '' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<FreezeWindowView>()).toMatchObject({ ends_at: ended, reason: null });
    const audits = await auditEvents(server, { entity_type: 'freeze_window', entity_id: String(window.id) });
    expect(audits.map((a) => a.action)).toEqual(['create', 'update']);
    expect((await claimJob(server.ctx, runner, null))?.id).toBe(queued.id);
  });
});

describe('a deployment queued during a freeze', () => {
  it('is not claimed, says it waits for the freeze, and is claimed once the window has ended', async () => {
    const { config, id } = await environment('fw-claim');
    const window = await freezeNow(id);
    const queued = await queue(config);
    expect(await claimJob(server.ctx, runner, null)).toBeNull();
    const view = await deployment(queued.id);
    expect(view.waiting_for).toMatchObject({ reason: 'freeze', until: window.ends_at });
    expect(view.waiting_for?.message).toContain(`until ${window.ends_at}`);

    // The wake-up is scheduled at the end of the freeze.
    const { rows } = await sql<{ run_at: Date }>`SELECT run_at FROM graphile_worker.jobs
      WHERE task_identifier = ${FREEZE_WAKE_TASK} AND key = ${`freeze_wake:${id}`}`.execute(server.ctx.db);
    expect(rows[0]?.run_at.toISOString()).toBe(window.ends_at);

    // Time passes: the window is over.
    await server.ctx.db
      .updateTable('freeze_windows')
      .set({ ends_at: inHours(-0.5) })
      .where('id', '=', window.id)
      .execute();
    expect((await deployment(queued.id)).waiting_for).toBeNull();
    expect((await claimJob(server.ctx, runner, null))?.id).toBe(queued.id);
  });

  it('is canceled by the sweep once it waited longer than the environment allows', async () => {
    const { config, id } = await environment('fw-expire');
    await server.ctx.db
      .updateTable('environments')
      .set({ freeze_expire_hours: 2 })
      .where('id', '=', id)
      .execute();
    await freezeNow(id, 10);
    const old = await queue(config);
    const fresh = await queue({ ...config, branch_name: 'fw-expire' });
    await server.ctx.db
      .updateTable('deployments')
      .set({ queued_at: inHours(-3) })
      .where('id', '=', old.id)
      .execute();
    expect(await sweepFreezes(server.ctx)).toEqual([old.id]);
    const canceled = await deployment(old.id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.message).toMatch(/waited in a freeze/);
    const audits = await auditEvents(server, { action: 'deployment_canceled', entity_id: String(old.id) });
    expect(audits.map((a) => a.actor_login)).toEqual(['system']);
    expect((await deployment(fresh.id)).status).toBe('queued');
  });
});

describe('overriding a freeze', () => {
  it('is for admins only, needs a reason, and lets the deployment start', async () => {
    const { config, id } = await environment('fw-override');
    await freezeNow(id);
    const queued = await queue(config);
    const url = `/api/v1/deployments/${queued.id}/freeze-override`;
    expect((await call('POST', url, maintainer, { reason: 'hotfix' })).statusCode).toBe(403);
    expect((await call('POST', url, viewer, { reason: 'hotfix' })).statusCode).toBe(403);
    expect((await call('POST', url, stranger, { reason: 'hotfix' })).statusCode).toBe(404);
    const blank = await call('POST', url, admin, { reason: '   ' });
    expect(blank.statusCode).toBe(400);
    expect(blank.json<{ error: { details: { field: string }[] } }>().error.details[0]?.field).toBe('reason');
    expect(await claimJob(server.ctx, runner, null)).toBeNull();

    const res = await call('POST', url, admin, { reason: 'security hotfix' });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json<DeploymentView>();
    expect(view.freeze_override).toMatchObject({ by: { login: 'admin' }, reason: 'security hotfix' });
    expect(view.waiting_for).toBeNull();
    expect((await call('POST', url, admin, { reason: 'again' })).statusCode).toBe(409);
    const audits = await auditEvents(server, {
      action: 'deployment_freeze_override',
      entity_id: String(queued.id),
    });
    expect(audits).toHaveLength(1);
    expect((await claimJob(server.ctx, runner, null))?.id).toBe(queued.id);
    expect((await call('POST', url, admin, { reason: 'late' })).statusCode).toBe(409);
  });

  it('lets the overridden deployment start ahead of older ones the freeze keeps waiting', async () => {
    const { config, id } = await environment('fw-override-order');
    await freezeNow(id);
    const older = await queue(config);
    const hotfix = await queue(config);
    const res = await call('POST', `/api/v1/deployments/${hotfix.id}/freeze-override`, admin, {
      reason: 'security hotfix',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<DeploymentView>().waiting_for).toBeNull();
    expect((await deployment(older.id)).waiting_for?.reason).toBe('freeze');
    expect((await claimJob(server.ctx, runner, null))?.id).toBe(hotfix.id);
  });

  it('answers 409 when the environment is not frozen', async () => {
    const { config } = await environment('fw-not-frozen');
    const queued = await queue(config);
    const res = await call('POST', `/api/v1/deployments/${queued.id}/freeze-override`, admin, {
      reason: 'x',
    });
    expect(res.statusCode).toBe(409);
    expect((await claimJob(server.ctx, runner, null))?.id).toBe(queued.id);
  });
});
