import { beforeAll, describe, expect, it } from 'vitest';
import {
  insertUser,
  login,
  useTestServer,
  TEST_PASSWORD,
  type SessionHeaders,
  signedInUser,
} from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
  insertMember,
} from '../test-support/fixtures.js';
import type { BranchConfig, Deployment, Project } from '../db/schema.js';
import { transitionDeployment } from './transitions.js';

const server = useTestServer();
let member: SessionHeaders;
let outsider: SessionHeaders;
let project: Project;
let config: BranchConfig;

beforeAll(async () => {
  const user = await insertUser(server, { login: 'member' });
  ({ session: outsider } = await signedInUser(server, { login: 'outsider' }));
  member = await login(server, 'member', TEST_PASSWORD);
  ({ project } = await insertProject(server, { name: 'api' }));
  await insertMember(server, project, user);
  config = await insertBranchConfig(server, { project_id: project.id });
});

async function queued(environment = 'production'): Promise<Deployment> {
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  return insertQueuedDeployment(server, build, { ...config, environment });
}

async function running(environment: string): Promise<Deployment> {
  const d = await queued(environment);
  const { runner } = await insertRunner(server, { name: 'box-1', shared: true });
  return server.ctx.db
    .transaction()
    .execute((trx) =>
      transitionDeployment(server.ctx, trx, d.id, { to: 'running', extra: { runner_id: runner.id } }),
    );
}

function call(method: 'GET' | 'POST', url: string, headers: SessionHeaders) {
  return server.app.inject({ method, url, headers });
}

describe('GET /api/v1/deployments/:id', () => {
  it('shows the deployment with its build, project, runner and times', async () => {
    const d = await running('view-env');
    const res = await call('GET', `/api/v1/deployments/${d.id}`, member);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: d.id,
      project: { id: project.id, name: 'api' },
      environment: 'view-env',
      status: 'running',
      cancel_requested: false,
      failure_reason: null,
      trigger: 'user',
      triggered_by: null,
      runner: { name: 'box-1' },
      last_log_n: 0,
      finished_at: null,
    });
    expect(typeof res.json().started_at).toBe('string');
  });

  it('answers 404 to an outsider and for an unknown id', async () => {
    const d = await queued();
    expect((await call('GET', `/api/v1/deployments/${d.id}`, outsider)).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/deployments/999999', member)).statusCode).toBe(404);
  });
});

describe('GET /api/v1/deployments', () => {
  it('lists visible deployments newest first, filtered by project, status and environment', async () => {
    const a = await queued('list-a');
    const b = await queued('list-b');
    const { project: hidden } = await insertProject(server);
    const hiddenConfig = await insertBranchConfig(server, { project_id: hidden.id, environment: 'list-a' });
    await insertQueuedDeployment(server, await insertBuild(server, { project_id: hidden.id }), hiddenConfig);

    const byEnv = await call('GET', '/api/v1/deployments?environment=list-a', member);
    expect(byEnv.json().deployments.map((d: { id: number }) => d.id)).toEqual([a.id]);
    const all = await call(
      'GET',
      `/api/v1/deployments?project_id=${project.id}&status=queued&per_page=1`,
      member,
    );
    expect(all.json().deployments.map((d: { id: number }) => d.id)).toEqual([b.id]);
    expect(all.json().total).toBeGreaterThanOrEqual(2);
    const none = await call('GET', '/api/v1/deployments', outsider);
    expect(none.json()).toMatchObject({ deployments: [], total: 0 });
  });
});

describe('GET /api/v1/deployments filters', () => {
  const ids = (res: { json: () => { deployments: { id: number }[] } }) =>
    res.json().deployments.map((d) => d.id);

  it('filters by environment id, by who started it (a user or auto) and by a queued-at range', async () => {
    const memberId = (
      await server.ctx.db
        .selectFrom('users')
        .select('id')
        .where('login', '=', 'member')
        .executeTakeFirstOrThrow()
    ).id;
    const mine = await queued('filter-env');
    await server.ctx.db
      .updateTable('deployments')
      .set({ triggered_by: memberId })
      .where('id', '=', mine.id)
      .execute();
    const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
    const auto = await insertQueuedDeployment(
      server,
      build,
      { ...config, environment: 'filter-env' },
      'auto',
    );
    const old = await queued('filter-env');
    await server.ctx.db
      .updateTable('deployments')
      .set({ queued_at: new Date('2020-01-02T00:00:00Z') })
      .where('id', '=', old.id)
      .execute();

    const env = `environment_id=${mine.environment_id}`;
    expect(ids(await call('GET', `/api/v1/deployments?${env}`, member))).toEqual([old.id, auto.id, mine.id]);
    expect(ids(await call('GET', `/api/v1/deployments?${env}&triggered_by=${memberId}`, member))).toEqual([
      mine.id,
    ]);
    expect(ids(await call('GET', `/api/v1/deployments?${env}&triggered_by=auto`, member))).toEqual([auto.id]);
    const range = 'from=2020-01-01T00:00:00Z&to=2020-01-03T00:00:00Z';
    expect(ids(await call('GET', `/api/v1/deployments?${env}&${range}`, member))).toEqual([old.id]);
    expect(ids(await call('GET', `/api/v1/deployments?${env}&from=2021-01-01T00:00:00Z`, member))).toEqual([
      auto.id,
      mine.id,
    ]);
    // waiting: what has not started, awaiting approval included
    await server.ctx.db
      .updateTable('deployments')
      .set({ status: 'awaiting_approval' })
      .where('id', '=', old.id)
      .execute();
    await server.ctx.db
      .updateTable('deployments')
      .set({ status: 'canceled', finished_at: new Date() })
      .where('id', '=', auto.id)
      .execute();
    expect(ids(await call('GET', `/api/v1/deployments?${env}&waiting=true`, member))).toEqual([
      old.id,
      mine.id,
    ]);
  });

  it('answers 400 in plain words to a bad filter', async () => {
    for (const q of [
      'environment_id=abc',
      'triggered_by=someone',
      'from=yesterday',
      'status=sleeping',
      'waiting=maybe',
    ]) {
      const res = await call('GET', `/api/v1/deployments?${q}`, member);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code, q).toBe('VALIDATION_FAILED');
    }
    const backwards = await call(
      'GET',
      '/api/v1/deployments?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z',
      member,
    );
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.message).toBe('to must not be before from');
  });
});

describe('POST /api/v1/deployments/:id/cancel', () => {
  it('cancels a queued deployment, marks a running one as canceling, and refuses a finished one', async () => {
    const q = await queued('cancel-q');
    const canceled = await call('POST', `/api/v1/deployments/${q.id}/cancel`, member);
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json()).toMatchObject({ status: 'canceled', cancel_requested: false });

    const r = await running('cancel-r');
    const canceling = await call('POST', `/api/v1/deployments/${r.id}/cancel`, member);
    expect(canceling.json()).toMatchObject({ status: 'running', cancel_requested: true });

    const again = await call('POST', `/api/v1/deployments/${q.id}/cancel`, member);
    expect(again.statusCode).toBe(409);
    const audit = await server.ctx.db
      .selectFrom('audit_events')
      .select('actor_login')
      .where('action', '=', 'deployment_cancel_requested')
      .where('entity_id', '=', String(r.id))
      .executeTakeFirstOrThrow();
    expect(audit.actor_login).toBe('member');
  });

  it('needs the deploy right: an outsider gets 404 and nothing changes', async () => {
    const q = await queued('cancel-o');
    expect((await call('POST', `/api/v1/deployments/${q.id}/cancel`, outsider)).statusCode).toBe(404);
    const row = await server.ctx.db
      .selectFrom('deployments')
      .select('status')
      .where('id', '=', q.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('queued');
  });
});
