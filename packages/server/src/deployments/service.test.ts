import { beforeAll, describe, expect, it } from 'vitest';
import { insertUser, useTestServer } from '../test-support/server.js';
import { insertBranchConfig, insertBuild, insertProject, insertRunner } from '../test-support/fixtures.js';
import type { BranchConfig, Build, Deployment, Project } from '../db/schema.js';
import type { Actor } from '../audit/service.js';
import { AppError } from '../errors.js';
import { JOBS_TOPIC, deploymentTopic, transitionDeployment } from './transitions.js';
import type { DeploymentTrigger } from '@polytene/protocol';
import { cancelDeployment, queueDeployment } from './service.js';

const server = useTestServer();
let actor: Actor;

beforeAll(async () => {
  const user = await insertUser(server, { login: 'deployer' });
  actor = { id: user.id, login: user.login, ip: '127.0.0.1' };
});

async function setup(): Promise<{ project: Project; config: BranchConfig }> {
  const { project } = await insertProject(server);
  const config = await insertBranchConfig(server, {
    project_id: project.id,
    deployment_type: 'auto',
    environment: 'production',
  });
  return { project, config };
}

function build(project: Project, config: BranchConfig): Promise<Build> {
  return insertBuild(server, { project_id: project.id, branch_config_id: config.id });
}

function queue(b: Build, config: BranchConfig, trigger: DeploymentTrigger, environment?: string) {
  return server.ctx.db
    .transaction()
    .execute((trx) => queueDeployment(server.ctx, trx, b, config, trigger, actor, environment));
}

async function statusOf(d: Deployment): Promise<string> {
  const row = await server.ctx.db
    .selectFrom('deployments')
    .select('status')
    .where('id', '=', d.id)
    .executeTakeFirstOrThrow();
  return row.status;
}

async function start(d: Deployment): Promise<void> {
  const { runner } = await insertRunner(server, { shared: true });
  await server.ctx.db
    .transaction()
    .execute((trx) =>
      transitionDeployment(server.ctx, trx, d.id, { to: 'running', extra: { runner_id: runner.id } }),
    );
}

describe('queueing and skipping outdated automatic deployments', () => {
  it('skips an older queued automatic deployment when a newer build is queued', async () => {
    const { project, config } = await setup();
    const older = await queue(await build(project, config), config, 'auto');
    const newer = await queue(await build(project, config), config, 'auto');
    expect(await statusOf(older)).toBe('skipped');
    expect(await statusOf(newer)).toBe('queued');
    const row = await server.ctx.db
      .selectFrom('deployments')
      .select('message')
      .where('id', '=', older.id)
      .executeTakeFirstOrThrow();
    expect(row.message).toBe(`superseded by deployment #${newer.id}`);
  });

  it('records an automatic deployment of a build older than one already waiting as skipped at once', async () => {
    const { project, config } = await setup();
    const first = await build(project, config);
    const second = await build(project, config);
    const waiting = await queue(second, config, 'auto');
    const late = await queue(first, config, 'auto');
    expect(late.status).toBe('skipped');
    expect(await statusOf(waiting)).toBe('queued');
  });

  it('never skips a user deployment of an older build (a rollback)', async () => {
    const { project, config } = await setup();
    const old = await build(project, config);
    const rollback = await queue(old, config, 'user');
    const later = await queue(await build(project, config), config, 'auto');
    expect(await statusOf(rollback)).toBe('queued');
    expect(await statusOf(later)).toBe('queued');
  });

  it('lets a rollback leave a queued automatic deployment of a newer build alone', async () => {
    const { project, config } = await setup();
    const old = await build(project, config);
    const auto = await queue(await build(project, config), config, 'auto');
    const rollback = await queue(old, config, 'user');
    expect(await statusOf(auto)).toBe('queued');
    expect(await statusOf(rollback)).toBe('queued');
  });

  it('skips older queued automatic deployments when a user deploys a newer build', async () => {
    const { project, config } = await setup();
    const auto = await queue(await build(project, config), config, 'auto');
    const manual = await queue(await build(project, config), config, 'user');
    expect(await statusOf(auto)).toBe('skipped');
    expect(manual).toMatchObject({ status: 'queued', trigger: 'user', triggered_by: actor.id });
  });

  it('leaves other environments and running deployments alone', async () => {
    const { project, config } = await setup();
    const running = await queue(await build(project, config), config, 'auto');
    await start(running);
    const staging = await queue(await build(project, config), config, 'auto', 'staging');
    const production = await queue(await build(project, config), config, 'auto');
    expect(await statusOf(running)).toBe('running');
    expect(await statusOf(staging)).toBe('queued');
    expect(await statusOf(production)).toBe('queued');
    expect(staging.environment).toBe('staging');
  });

  it('wakes waiting runners at commit and audits who queued it', async () => {
    const { project, config } = await setup();
    const events: Record<string, unknown>[] = [];
    const received = new Promise<void>((resolve) => {
      const stop = server.ctx.bus.subscribe(JOBS_TOPIC, (data) => {
        if (data.project_id !== project.id) return;
        events.push(data);
        stop();
        resolve();
      });
    });
    const d = await queue(await build(project, config), config, 'user');
    await received;
    expect(events[0]).toEqual({ project_id: project.id, environment: 'production' });
    const audit = await server.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'deployment_queued')
      .where('entity_id', '=', String(d.id))
      .executeTakeFirstOrThrow();
    expect(audit.actor_login).toBe('deployer');
  });
});

describe('cancelling', () => {
  function cancel(d: Deployment) {
    return server.ctx.db.transaction().execute((trx) => cancelDeployment(server.ctx, trx, d.id, actor));
  }

  it('cancels a queued deployment at once', async () => {
    const { project, config } = await setup();
    const d = await queue(await build(project, config), config, 'user');
    const canceled = await cancel(d);
    expect(canceled.status).toBe('canceled');
    expect(canceled.cancel_requested_by).toBe(actor.id);
    expect(canceled.finished_at).not.toBeNull();
  });

  it('asks the runner to abort a running deployment and tells it on the deployment topic', async () => {
    const { project, config } = await setup();
    const d = await queue(await build(project, config), config, 'user');
    await start(d);
    const told = new Promise<Record<string, unknown>>((resolve) => {
      const stop = server.ctx.bus.subscribe(deploymentTopic(d.id), (data) => {
        if (data.status !== 'canceling') return;
        stop();
        resolve(data);
      });
    });
    const requested = await cancel(d);
    expect(requested.status).toBe('running');
    expect(requested.cancel_requested_at).not.toBeNull();
    expect(await told).toEqual({ status: 'canceling' });
    const again = await cancel(d);
    expect(again.cancel_requested_at).toEqual(requested.cancel_requested_at);
  });

  it('refuses to cancel a finished deployment with 409', async () => {
    const { project, config } = await setup();
    const d = await queue(await build(project, config), config, 'user');
    await cancel(d);
    const error = await cancel(d).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).statusCode).toBe(409);
  });
});
