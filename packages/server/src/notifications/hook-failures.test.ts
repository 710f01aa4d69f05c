/** Bad receivers (architecture.md §9): each leaves a clear stored error; no deployment waits or fails. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signedInUser, startTestServer, type TestServer } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
} from '../test-support/fixtures.js';
import { startReceiver, type Receiver } from '../test-support/receiver.js';
import { transitionDeployment } from '../deployments/transitions.js';
import type { Project } from '../db/schema.js';
import { createHook } from './hook-store.js';
import { attemptDelivery, hookTimeout, notifyHooksOnDeploymentChange } from './hooks.js';

let server: TestServer;
let receiver: Receiver;
let project: Project;
const normalTimeout = hookTimeout.ms;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({ notifyAllowPrivate: true, publicUrl: 'https://deploy.example.test' });
  const alice = await signedInUser(server, { login: 'alice' });
  ({ project } = await insertProject(server, { name: 'shop', owner_id: alice.user.id }));
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});
afterEach(async () => {
  hookTimeout.ms = normalTimeout;
  receiver.answers.clear();
  await server.ctx.db.deleteFrom('notification_hooks').execute();
});

async function closedPortUrl() {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  return `http://127.0.0.1:${port}/gone`;
}

/** A deployment that succeeds, its change handled with `url` as the only hook; then one attempt. */
async function succeedWithHook(url: string, environment: string) {
  const { hook } = await createHook(server.ctx, project.id, { kind: 'webhook', url, events: ['succeeded'] });
  const config = await insertBranchConfig(server, {
    project_id: project.id,
    environment,
    branch_name: `b-${environment}`,
  });
  const build = await insertBuild(server, {
    project_id: project.id,
    branch_config_id: config.id,
    ref: 'main',
  });
  const queued = await insertQueuedDeployment(server, build, config);
  for (const to of ['running', 'succeeded'] as const)
    await server.ctx.db
      .transaction()
      .execute((trx) => transitionDeployment(server.ctx, trx, queued.id, { to }));
  const before = receiver.received.length;
  const started = Date.now();
  await notifyHooksOnDeploymentChange(server.ctx, { deployment_id: queued.id, status: 'succeeded' });
  // The change handler only queues: it neither sends nor waits for the receiver.
  expect(Date.now() - started).toBeLessThan(hookTimeout.ms);
  expect(receiver.received.length).toBe(before);
  const delivery = await server.ctx.db
    .selectFrom('notification_hook_deliveries')
    .selectAll()
    .where('hook_id', '=', hook.id)
    .executeTakeFirstOrThrow();
  let thrown: unknown = null;
  const attempted = await attemptDelivery(server.ctx, delivery.id, 1, 2).catch((error: unknown) => {
    thrown = error;
    return null;
  });
  const stored = await server.ctx.db
    .selectFrom('notification_hook_deliveries')
    .selectAll()
    .where('id', '=', delivery.id)
    .executeTakeFirstOrThrow();
  const deployment = await server.ctx.db
    .selectFrom('deployments')
    .select('status')
    .where('id', '=', queued.id)
    .executeTakeFirstOrThrow();
  return { attempted, thrown, stored, deployment };
}

describe('bad notification receivers', () => {
  it('an unreachable URL: the error names the refused connection, the job is retried, the deployment succeeded', async () => {
    const result = await succeedWithHook(await closedPortUrl(), 'unreachable');
    expect(result.deployment.status).toBe('succeeded');
    expect(result.thrown).toBeInstanceOf(Error); // so graphile-worker retries with its backoff
    expect(result.stored).toMatchObject({ status: 'pending', attempts: 1, response_status: null });
    expect(result.stored.error).toMatch(/ECONNREFUSED/);
  });

  it('a 500 answer: status, answer excerpt and error stored', async () => {
    receiver.answers.set('/500', { status: 500, body: 'database is down' });
    const result = await succeedWithHook(`${receiver.base}/500`, 'five-hundred');
    expect(result.deployment.status).toBe('succeeded');
    expect(result.stored).toMatchObject({
      status: 'pending',
      attempts: 1,
      response_status: 500,
      response_body: 'database is down',
      error: 'HTTP 500',
    });
  });

  it('a slow receiver: the attempt ends at the deadline with an error that says so', async () => {
    hookTimeout.ms = 300;
    receiver.answers.set('/slow', { status: 200, delayMs: 5000 });
    const started = Date.now();
    const result = await succeedWithHook(`${receiver.base}/slow`, 'slow');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(result.deployment.status).toBe('succeeded');
    expect(result.stored).toMatchObject({ status: 'pending', attempts: 1, response_status: null });
    expect(result.stored.error).toBe('no answer within 0.3 s (the receiver is too slow or unreachable)');
  });

  it('a receiver that answers byte by byte is still cut at the deadline', async () => {
    hookTimeout.ms = 400;
    const trickle = createServer((req, res) => {
      req.resume();
      res.writeHead(200);
      const timer = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(trickle.address() as AddressInfo).port}/trickle`;
      const result = await succeedWithHook(url, 'trickle');
      expect(result.stored.error).toMatch(/^no answer within 0.4 s/);
    } finally {
      trickle.closeAllConnections();
      await new Promise((resolve) => trickle.close(resolve));
    }
  });

  it('the test button against a 500: answered at once with the failed delivery, not an error', async () => {
    receiver.answers.set('/t500', { status: 500, body: 'nope' });
    const owner = await signedInUser(server, { login: 'tess' });
    await server.ctx.db
      .insertInto('project_members')
      .values({ project_id: project.id, user_id: owner.user.id, role: 'maintainer' })
      .execute();
    const { hook } = await createHook(server.ctx, project.id, {
      kind: 'teams',
      url: `${receiver.base}/t500`,
      events: ['failed'],
    });
    const res = await server.app.inject({
      method: 'POST',
      url: `/api/v1/notification-hooks/${hook.id}/test`,
      headers: owner.session,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      event: 'test',
      status: 'failed',
      attempts: 1,
      response_status: 500,
      response_body: 'nope',
      error: 'HTTP 500',
    });
  });
});
