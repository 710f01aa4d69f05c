import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeploymentStatus } from '@polytene/protocol';
import {
  signedInUser,
  startTestServer,
  type SessionHeaders,
  type TestServer,
} from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertMember,
  insertProject,
  insertQueuedDeployment,
} from '../test-support/fixtures.js';
import { transitionDeployment, type TransitionRequest } from '../deployments/transitions.js';
import type { Deployment, Project } from '../db/schema.js';
import { sql } from 'kysely';
import {
  HOOK_DELIVERY_MAX_ATTEMPTS,
  HOOK_DELIVERY_TASK,
  attemptDelivery,
  notifyHooksOnDeploymentChange,
} from './hooks.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

let receiver: Server;
let base: string;
let received: Received[];
/** What the receiver answers, by path; 204 when not listed. */
let answers: Record<string, { status: number; body: string }>;
let server: TestServer;
let owner: SessionHeaders;
let project: Project;

beforeAll(async () => {
  received = [];
  answers = {};
  receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body: JSON.parse(raw) as Record<string, unknown>,
      });
      const answer = answers[req.url ?? ''] ?? { status: 204, body: '' };
      res.writeHead(answer.status).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  server = await startTestServer({ notifyAllowPrivate: true, publicUrl: 'https://deploy.example.test' });
  const alice = await signedInUser(server, { login: 'alice' });
  owner = alice.session;
  ({ project } = await insertProject(server, { name: 'shop', owner_id: alice.user.id }));
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => receiver.close(resolve));
});
beforeEach(async () => {
  received.length = 0;
  answers = {};
  await server.ctx.db.deleteFrom('notification_hooks').execute();
});

async function addHook(body: Record<string, unknown>, session = owner) {
  return server.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${project.id}/notification-hooks`,
    headers: session,
    payload: body,
  });
}

/** Runs the change handler for `status`, then each pending delivery's job once per attempt. */
async function deliverChange(deployment: Deployment, status: DeploymentStatus, maxAttempts = 1) {
  await notifyHooksOnDeploymentChange(server.ctx, { deployment_id: deployment.id, status });
  const pending = await server.ctx.db
    .selectFrom('notification_hook_deliveries')
    .select('id')
    .where('deployment_id', '=', deployment.id)
    .where('status', '=', 'pending')
    .execute();
  for (const { id } of pending)
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        await attemptDelivery(server.ctx, id, attempt, maxAttempts);
        break;
      } catch {
        // retried, as graphile-worker would after its backoff
      }
    }
}

async function deploymentThrough(steps: TransitionRequest[], environment = 'staging') {
  // One branch config per environment; the same one again for a later deployment there.
  const config =
    (await server.ctx.db
      .selectFrom('branch_configs')
      .selectAll()
      .where('project_id', '=', project.id)
      .where('environment', '=', environment)
      .executeTakeFirst()) ??
    (await insertBranchConfig(server, {
      project_id: project.id,
      environment,
      branch_name: `b-${environment}`,
    }));
  const build = await insertBuild(server, {
    project_id: project.id,
    branch_config_id: config.id,
    ref: 'main',
  });
  const queued = await insertQueuedDeployment(server, build, config);
  let deployment: Deployment = queued;
  for (const step of steps)
    deployment = await server.ctx.db
      .transaction()
      .execute((trx) => transitionDeployment(server.ctx, trx, queued.id, step));
  return { deployment, build };
}

const deliveries = (hookId: number) =>
  server.ctx.db
    .selectFrom('notification_hook_deliveries')
    .selectAll()
    .where('hook_id', '=', hookId)
    .orderBy('id')
    .execute();

describe('notification hooks', () => {
  it('signs a webhook with the secret shown once and the timestamp; the deployment still succeeds', async () => {
    const res = await addHook({ kind: 'webhook', url: `${base}/hook`, events: ['succeeded'] });
    expect(res.statusCode).toBe(201);
    const { hook, secret } = res.json<{ hook: { id: number }; secret: string }>();
    expect(secret).toMatch(/^[\w-]{40,}$/);
    const list = await server.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${project.id}/notification-hooks`,
      headers: owner,
    });
    expect(list.body).not.toContain(secret);

    const { deployment, build } = await deploymentThrough([{ to: 'running' }, { to: 'succeeded' }]);
    expect(deployment.status).toBe('succeeded');
    await deliverChange(deployment, 'succeeded');
    expect(received).toHaveLength(1);
    const got = received[0]!;
    const timestamp = got.headers['x-polytene-timestamp'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    const expected = createHmac('sha256', secret).update(`${timestamp}.${got.raw}`).digest('hex');
    expect(got.headers['x-polytene-signature']).toBe(`sha256=${expected}`);
    expect(got.body).toMatchObject({
      event: 'succeeded',
      project: { id: project.id, name: 'shop' },
      environment: 'staging',
      deployment: {
        id: deployment.id,
        status: 'succeeded',
        ref: 'main',
        sha: build.sha,
        url: `https://deploy.example.test/deployments/${deployment.id}`,
      },
    });
    const [delivery] = await deliveries(hook.id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, response_status: 204 });
    // The handler queued one retried job for the delivery, beside the ones this test ran by hand.
    const jobs = await sql<{ max_attempts: number }>`
      SELECT max_attempts FROM graphile_worker.jobs WHERE task_identifier = ${HOOK_DELIVERY_TASK}`.execute(
      server.ctx.db,
    );
    expect(jobs.rows).toEqual([{ max_attempts: HOOK_DELIVERY_MAX_ATTEMPTS }]);
    // A retried change job queues nothing twice.
    await deliverChange(deployment, 'succeeded');
    expect(received).toHaveLength(1);
  });

  it('sends Slack Block Kit and a Teams Adaptive Card in the Workflows envelope', async () => {
    await addHook({ kind: 'slack', url: `${base}/slack`, events: ['failed'] });
    await addHook({ kind: 'teams', url: `${base}/teams`, events: ['failed'] });
    const { deployment } = await deploymentThrough([
      { to: 'running' },
      { to: 'failed', failureReason: 'script_failure', exitCode: 1 },
    ]);
    await deliverChange(deployment, 'failed');
    const slack = received.find((r) => r.path === '/slack')!.body;
    const blocks = slack.blocks as { type: string }[];
    expect(blocks.map((b) => b.type)).toEqual(['section', 'context']);
    expect(JSON.stringify(slack)).toContain(`https://deploy.example.test/deployments/${deployment.id}`);
    expect(JSON.stringify(slack)).toContain('staging');
    const teams = received.find((r) => r.path === '/teams')!.body;
    // The envelope Teams Workflows take: a message with one Adaptive Card attachment.
    expect(teams).toMatchObject({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: 'shop / staging: deployment failed', color: 'Attention' },
              { type: 'TextBlock' },
              {
                type: 'FactSet',
                facts: expect.arrayContaining([
                  { title: 'Project', value: 'shop' },
                  { title: 'Environment', value: 'staging' },
                  { title: 'Version', value: 'main' },
                  { title: 'Triggered by', value: 'Polytene' },
                ]) as unknown,
              },
            ],
            actions: [
              {
                type: 'Action.OpenUrl',
                url: `https://deploy.example.test/deployments/${deployment.id}`,
              },
            ],
          },
        },
      ],
    });
    expect(teams).not.toHaveProperty('@type');
  });

  it('retries a 500 and then records it failed with its status and body', async () => {
    answers['/broken'] = { status: 500, body: 'x'.repeat(3000) };
    const res = await addHook({ kind: 'webhook', url: `${base}/broken`, events: ['started'] });
    const { hook } = res.json<{ hook: { id: number } }>();
    const { deployment } = await deploymentThrough([{ to: 'running' }]);
    await deliverChange(deployment, 'running', 3);
    expect(received).toHaveLength(3);
    const [delivery] = await deliveries(hook.id);
    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: 3,
      response_status: 500,
      error: 'HTTP 500',
    });
    expect(delivery!.response_body).toHaveLength(1024);
  });

  it('records a clear error for an unreachable URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const res = await addHook({ kind: 'slack', url: `http://127.0.0.1:${port}/x`, events: ['queued'] });
    const { hook } = res.json<{ hook: { id: number } }>();
    const { deployment } = await deploymentThrough([]);
    await deliverChange(deployment, 'queued');
    const [delivery] = await deliveries(hook.id);
    expect(delivery).toMatchObject({ status: 'failed', response_status: null });
    expect(delivery!.error).toMatch(/ECONNREFUSED/);
  });

  it('sends "recovered" only after a failure in the same environment', async () => {
    await addHook({ kind: 'webhook', url: `${base}/r`, events: ['recovered'] });
    const first = await deploymentThrough([{ to: 'running' }, { to: 'succeeded' }], 'prod-r');
    await deliverChange(first.deployment, 'succeeded');
    expect(received).toHaveLength(0);
    const failed = await deploymentThrough(
      [{ to: 'running' }, { to: 'failed', failureReason: 'script_failure', exitCode: 1 }],
      'prod-r',
    );
    await deliverChange(failed.deployment, 'failed');
    expect(received).toHaveLength(0);
    const fixed = await deploymentThrough([{ to: 'running' }, { to: 'succeeded' }], 'prod-r');
    await deliverChange(fixed.deployment, 'succeeded');
    expect(received.map((r) => r.body.event)).toEqual(['recovered']);
  });

  it('limits a hook to its environment and lists and sends a test event', async () => {
    const res = await addHook({
      kind: 'webhook',
      url: `${base}/env`,
      environment: 'production',
      events: ['queued'],
    });
    const { hook } = res.json<{ hook: { id: number } }>();
    const { deployment } = await deploymentThrough([], 'staging');
    await deliverChange(deployment, 'queued');
    expect(received).toHaveLength(0);
    const test = await server.app.inject({
      method: 'POST',
      url: `/api/v1/notification-hooks/${hook.id}/test`,
      headers: owner,
    });
    expect(test.statusCode).toBe(200);
    expect(test.json()).toMatchObject({ event: 'test', status: 'delivered', response_status: 204 });
    expect(received[0]!.body).toMatchObject({ event: 'test', deployment: null });
    const list = await server.app.inject({
      method: 'GET',
      url: `/api/v1/notification-hooks/${hook.id}/deliveries`,
      headers: owner,
    });
    expect(list.json<{ deliveries: unknown[] }>().deliveries).toHaveLength(1);
    const del = await server.app.inject({
      method: 'DELETE',
      url: `/api/v1/notification-hooks/${hook.id}`,
      headers: owner,
    });
    expect(del.statusCode).toBe(204);
    const audit = await server.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'after', 'before'])
      .where('entity_type', '=', 'notification_hook')
      .where('entity_id', '=', String(hook.id))
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['notification_hook_create', 'notification_hook_delete']);
    expect(JSON.stringify(audit)).not.toContain('/env');
    const openapi = await server.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(
      openapi.json<{ components: { schemas: Record<string, unknown> } }>().components.schemas,
    ).toHaveProperty('NotificationWebhookBody');
  });

  it('refuses a member without the right (403) and a non-http URL (400)', async () => {
    const bob = await signedInUser(server, { login: 'bob' });
    await insertMember(server, project, bob.user);
    const res = await addHook({ kind: 'webhook', url: `${base}/x`, events: ['queued'] }, bob.session);
    expect(res.statusCode).toBe(403);
    const ftp = await addHook({ kind: 'webhook', url: 'ftp://example.test/x', events: ['queued'] });
    expect(ftp.statusCode).toBe(400);
    expect(ftp.json<{ error: { message: string } }>().error.message).toBe('url must be an http or https URL');
  });
});

describe('notification hooks without POLYTENE_NOTIFY_ALLOW_PRIVATE', () => {
  it('refuses loopback and private addresses with a 400 in words', async () => {
    const strict = await startTestServer();
    try {
      const { user, session } = await signedInUser(strict, { login: 'carol' });
      const { project: own } = await insertProject(strict, { owner_id: user.id });
      for (const url of [
        'http://127.0.0.1:8080/x',
        'http://10.1.2.3/x',
        'http://[::1]/x',
        'http://localhost/x',
      ]) {
        const res = await strict.app.inject({
          method: 'POST',
          url: `/api/v1/projects/${own.id}/notification-hooks`,
          headers: session,
          payload: { kind: 'slack', url, events: ['failed'] },
        });
        expect(res.statusCode, url).toBe(400);
        expect(res.json<{ error: { message: string } }>().error.message).toMatch(
          /loopback or private address/,
        );
      }
    } finally {
      await strict.close();
    }
  });
});
