import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '@polytene/protocol';
import { adminSession, insertUser, useTestServer } from '../test-support/server.js';
import { claimJob } from './claim.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../test-support/fixtures.js';
import { hashToken } from '../secrets.js';
import { publish } from '../events/bus.js';
import { JOBS_TOPIC } from '../deployments/transitions.js';
import { JobQueue } from '../jobs/queue.js';
import { RUNNER_KEY_CHANGED_TASK, sayHello } from './hello.js';
import { storedLines } from '../test-support/logs.js';

const ED25519 =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBqLi47PPy0u2+27t7rO4ByopfjHRIf+3nI7e/CpdWiI runner@host';
const ED25519_FINGERPRINT = 'SHA256:iE1QBNaw6+M/13bUiVd8oKe0JD2cUmf4ZmdOC2t6WDc';
const OTHER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIc2Xw2Yxl1Zr1w1+Bq0cWm9Hh4TVfCK0n9o5MBWqE3U';

const server = useTestServer();

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** A runner linked to a new project with one queued deployment of `environment`. */
async function queuedJob(
  environment = 'production',
  runnerValues: { shared?: boolean; active?: boolean } = {},
) {
  const { runner, token } = await insertRunner(server, runnerValues);
  const { project } = await insertProject(server, { runner_id: runner.id });
  return { runner, token, project, deployment: await queue(project.id, environment) };
}

async function queue(projectId: number, environment = 'production', variables = '[]') {
  const config =
    (await server.ctx.db
      .selectFrom('branch_configs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('environment', '=', environment)
      .executeTakeFirst()) ??
    (await insertBranchConfig(server, {
      project_id: projectId,
      branch_name: `b-${environment}`,
      environment,
      deployment_script: 'make deploy',
    }));
  await server.ctx.db.updateTable('branch_configs').set({ variables }).where('id', '=', config.id).execute();
  const build = await insertBuild(server, { project_id: projectId, branch_config_id: config.id });
  return insertQueuedDeployment(server, build, config);
}

function requestJob(token: string, waitMs = 0) {
  return server.app.inject({
    method: 'POST',
    url: '/api/v1/runner/jobs/request',
    headers: auth(token),
    payload: { wait_ms: waitMs },
  });
}

async function claimed(environment = 'production') {
  const setup = await queuedJob(environment);
  const res = await requestJob(setup.token);
  expect(res.statusCode).toBe(201);
  return { ...setup, job: res.json<Job>() };
}

const line = (n: number, text = `line ${n}`) => ({ n, stream: 'stdout', t: new Date().toISOString(), text });

function sendLog(job: Job, lines: unknown[], token = job.token) {
  return server.app.inject({
    method: 'POST',
    url: `/api/v1/runner/jobs/${job.id}/log`,
    headers: auth(token),
    payload: { lines },
  });
}

function sendUpdate(job: Job, payload: Record<string, unknown>, token = job.token) {
  return server.app.inject({
    method: 'PUT',
    url: `/api/v1/runner/jobs/${job.id}`,
    headers: auth(token),
    payload,
  });
}

const deploymentRow = (id: number) =>
  server.ctx.db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('POST /api/v1/runner/hello', () => {
  const hello = (token: string | null, body: Record<string, unknown> = {}) =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/runner/hello',
      headers: token ? auth(token) : {},
      payload: { version: '1.2.3', hostname: 'deploy-1', public_key: ED25519, concurrency: 2, ...body },
    });

  it('stores what the runner tells, with the key fingerprint, and answers its settings', async () => {
    const { runner, token } = await insertRunner(server);
    const res = await hello(token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      runner_id: runner.id,
      name: runner.name,
      lease_seconds: server.ctx.config.leaseSeconds,
      max_log_batch_lines: 5000,
      active: true,
    });
    const stored = await server.ctx.db
      .selectFrom('runners')
      .selectAll()
      .where('id', '=', runner.id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      version: '1.2.3',
      hostname: 'deploy-1',
      concurrency: 2,
      public_key: ED25519.split(' ').slice(0, 2).join(' '),
      public_key_fingerprint: ED25519_FINGERPRINT,
    });
    expect(stored.last_seen_at).toBeInstanceOf(Date);
  });

  it('rejects a malformed public key with 400 naming the field', async () => {
    const { token } = await insertRunner(server);
    const res = await hello(token, { public_key: 'ssh-ed25519 AAAA-not-a-key' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe('public_key');
  });

  it('refuses absent, unknown and user API tokens with 401', async () => {
    expect((await hello(null)).statusCode).toBe(401);
    expect((await hello('prt_unknown')).statusCode).toBe(401);
    expect((await hello('pt_some-user-token')).statusCode).toBe(401);
  });

  it('tells a paused runner that it is paused', async () => {
    const { token } = await insertRunner(server, { active: false });
    const res = await hello(token);
    expect(res.statusCode).toBe(200);
    expect(res.json().active).toBe(false);
  });

  it('queues runner_key_changed only when the key changed, and audits the change', async () => {
    const { runner, token } = await insertRunner(server);
    expect((await hello(token)).statusCode).toBe(200);
    expect(await keyChangedJobs(runner.id)).toBe(1);
    expect((await hello(token)).statusCode).toBe(200);
    expect(await keyChangedJobs(runner.id)).toBe(1);
    expect((await hello(token, { public_key: OTHER_KEY })).statusCode).toBe(200);
    expect(await keyChangedJobs(runner.id)).toBe(2);
    const audits = await server.ctx.db
      .selectFrom('audit_events')
      .select('action')
      .where('entity_type', '=', 'runner')
      .where('entity_id', '=', String(runner.id))
      .execute();
    expect(audits.map((a) => a.action)).toEqual(['runner_key_changed', 'runner_key_changed']);
  });

  it('stores a changed key without queueing a job while no task handles it', async () => {
    const { runner } = await insertRunner(server);
    const withoutTasks = { ...server.ctx, jobs: new JobQueue(server.databaseUrl) };
    await sayHello(
      withoutTasks,
      runner,
      { version: '1', hostname: 'h', public_key: OTHER_KEY, concurrency: 1 },
      '::1',
    );
    expect(await keyChangedJobs(runner.id)).toBe(0);
  });
});

async function keyChangedJobs(runnerId: number): Promise<number> {
  const rows = await sql<{ payload: { runner_id: number } }>`
    SELECT j.payload FROM graphile_worker._private_jobs j
    JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    WHERE t.identifier = ${RUNNER_KEY_CHANGED_TASK}`.execute(server.ctx.db);
  return rows.rows.filter((r) => r.payload.runner_id === runnerId).length;
}

describe('POST /api/v1/runner/jobs/request', () => {
  it('answers 204 when there is nothing to take', async () => {
    const { token } = await insertRunner(server);
    const res = await requestJob(token);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });

  it('refuses a paused runner with 403 and a wrong token with 401', async () => {
    const { token } = await queuedJob('production', { active: false });
    expect((await requestJob(token)).statusCode).toBe(403);
    expect((await requestJob('prt_wrong')).statusCode).toBe(401);
  });

  it('hands out the job with script, decrypted variables and a job token, and marks it running', async () => {
    const { runner, token } = await insertRunner(server);
    const { project } = await insertProject(server, { runner_id: runner.id });
    const variables = JSON.stringify([
      { key: 'PLAIN', value: 'one', secret: false },
      { key: 'SECRET', encrypted: server.ctx.secrets.encrypt('s3cret'), secret: true },
    ]);
    const deployment = await queue(project.id, 'staging', variables);
    const res = await requestJob(token);
    expect(res.statusCode).toBe(201);
    const job = res.json<Job>();
    expect(job).toMatchObject({
      id: deployment.id,
      project: { id: project.id, name: project.name, clone_url: project.clone_url },
      environment: 'staging',
      script: 'make deploy',
      variables: [
        { key: 'PLAIN', value: 'one', secret: false },
        { key: 'SECRET', value: 's3cret', secret: true },
      ],
    });
    expect(job.token).toMatch(/^pjt_/);
    const row = await deploymentRow(deployment.id);
    expect(row).toMatchObject({
      status: 'running',
      runner_id: runner.id,
      job_token_hash: hashToken(job.token),
    });
    expect(row.lease_expires_at!.getTime()).toBeGreaterThan(Date.now() + 60_000);
    const seen = await server.ctx.db
      .selectFrom('runners')
      .select('last_seen_at')
      .where('id', '=', runner.id)
      .executeTakeFirstOrThrow();
    expect(seen.last_seen_at).toBeInstanceOf(Date);
  });

  it('gives a project linked to a runner to no other runner, shared or not; a shared one takes a project without a runner', async () => {
    const { deployment } = await queuedJob('production');
    const { token: stranger } = await insertRunner(server);
    expect((await requestJob(stranger)).statusCode).toBe(204);
    await server.ctx.db
      .updateTable('deployments')
      .set({ status: 'skipped', finished_at: new Date() })
      .where('status', '=', 'queued')
      .where('id', '<>', deployment.id)
      .execute();
    const { token: shared } = await insertRunner(server, { shared: true });
    expect((await requestJob(shared)).statusCode).toBe(204);
    const { project: unlinked } = await insertProject(server, { runner_id: null });
    const open = await queue(unlinked.id);
    expect((await requestJob(stranger)).statusCode).toBe(204);
    const res = await requestJob(shared);
    expect(res.statusCode).toBe(201);
    expect(res.json().id).toBe(open.id);
    expect((await deploymentRow(deployment.id)).status).toBe('queued');
  });

  it('runs one deployment per (project, environment) at a time, oldest first', async () => {
    const { token, project, deployment: first } = await queuedJob('production');
    const second = await queue(project.id, 'production');
    const other = await queue(project.id, 'staging');
    expect((await requestJob(token)).json().id).toBe(first.id);
    expect((await requestJob(token)).json().id).toBe(other.id);
    expect((await requestJob(token)).statusCode).toBe(204);
    await server.ctx.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('deployments')
        .set({ status: 'succeeded', finished_at: new Date() })
        .where('id', '=', first.id)
        .execute();
    });
    expect((await requestJob(token)).json().id).toBe(second.id);
  });

  it('wakes a waiting long poll as soon as a deployment is queued and announced', async () => {
    const { runner, token } = await insertRunner(server);
    const { project } = await insertProject(server, { runner_id: runner.id });
    const started = Date.now();
    const pending = requestJob(token, 20_000);
    await new Promise((r) => setTimeout(r, 200));
    const deployment = await queue(project.id);
    await publish(server.ctx.db, JOBS_TOPIC, { project_id: project.id });
    const res = await pending;
    expect(res.statusCode).toBe(201);
    expect(res.json().id).toBe(deployment.id);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers 204 after wait_ms and rejects a wait beyond the maximum naming the field', async () => {
    const { token } = await insertRunner(server);
    const started = Date.now();
    expect((await requestJob(token, 300)).statusCode).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const res = await requestJob(token, 60_000);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe('wait_ms');
  });

  it('stops waiting when the runner disconnects', async () => {
    const { token } = await insertRunner(server);
    const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const before = server.ctx.dispatch.waiters.size;
    const abort = new AbortController();
    const request = fetch(`${address}/api/v1/runner/jobs/request`, {
      method: 'POST',
      headers: { ...auth(token), 'content-type': 'application/json' },
      body: JSON.stringify({ wait_ms: 20_000 }),
      signal: abort.signal,
    }).catch(() => 'aborted');
    await waitUntil(() => server.ctx.dispatch.waiters.size === before + 1);
    abort.abort();
    expect(await request).toBe('aborted');
    await waitUntil(() => server.ctx.dispatch.waiters.size === before);
  });
});

describe('POST /api/v1/runner/jobs/:id/log', () => {
  it('stores numbered lines once, ignores a re-sent batch, and extends the lease', async () => {
    const { job } = await claimed();
    await server.ctx.db
      .updateTable('deployments')
      .set({ lease_expires_at: new Date(Date.now() + 1000) })
      .where('id', '=', job.id)
      .execute();
    const first = await sendLog(job, [line(1), line(2, 'zażółć'), line(3)]);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ last_n: 3, status: 'running' });
    const again = await sendLog(job, [line(2, 'changed'), line(3), line(4)]);
    expect(again.json()).toEqual({ last_n: 4, status: 'running' });
    const lines = (await storedLines(server.ctx.db, job.id)).map(({ n, text }) => ({ n, text }));
    expect(lines).toEqual([
      { n: 1, text: 'line 1' },
      { n: 2, text: 'zażółć' },
      { n: 3, text: 'line 3' },
      { n: 4, text: 'line 4' },
    ]);
    const row = await deploymentRow(job.id);
    expect(row.last_log_n).toBe(4);
    expect(row.log_bytes).toBe(Buffer.byteLength('line 1zażółćline 3line 4'));
    expect(row.lease_expires_at!.getTime()).toBeGreaterThan(Date.now() + 60_000);
  });

  it('accepts a full batch far larger than the ordinary body limit', async () => {
    const { job } = await claimed();
    const lines = Array.from({ length: 5000 }, (_, i) => line(i + 1, 'x'.repeat(1000)));
    expect(JSON.stringify({ lines }).length).toBeGreaterThan(server.ctx.config.maxBodyBytes);
    const res = await sendLog(job, lines);
    expect(res.statusCode).toBe(200);
    expect(res.json().last_n).toBe(5000);
  });

  it('stores a NUL character as U+FFFD instead of failing', async () => {
    const { job } = await claimed();
    expect((await sendLog(job, [line(1, 'a\u0000b')])).statusCode).toBe(200);
    const [row] = await storedLines(server.ctx.db, job.id);
    expect(row?.text).toBe('a\uFFFDb');
  });

  it('rejects malformed batches with 400 naming the field', async () => {
    const { job } = await claimed();
    const cases: [unknown, string][] = [
      [[{ stream: 'stdout', t: new Date().toISOString(), text: 'x' }], 'lines.0.n'],
      [[{ ...line(1), stream: 'stdnope' }], 'lines.0.stream'],
      [[line(1), { ...line(2), t: 'yesterday' }], 'lines.1.t'],
      [[{ ...line(1), n: 0 }], 'lines.0.n'],
      [[{ ...line(1), extra: true }], 'lines.0.extra'],
      [Array.from({ length: 5001 }, (_, i) => line(i + 1)), 'lines'],
    ];
    for (const [lines, field] of cases) {
      const res = await sendLog(job, lines as unknown[]);
      expect(res.statusCode, field).toBe(400);
      expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect((await deploymentRow(job.id)).last_log_n).toBe(0);
  });

  it("refuses absent, runner and other jobs' tokens", async () => {
    const { job, token: runnerToken } = await claimed();
    const { job: other } = await claimed();
    const none = await server.app.inject({
      method: 'POST',
      url: `/api/v1/runner/jobs/${job.id}/log`,
      payload: { lines: [] },
    });
    expect(none.statusCode).toBe(401);
    expect((await sendLog(job, [line(1)], runnerToken)).statusCode).toBe(401);
    expect((await sendLog(job, [line(1)], 'pjt_unknown')).statusCode).toBe(401);
    expect((await sendLog(job, [line(1)], other.token)).statusCode).toBe(403);
    expect((await sendUpdate(job, { status: 'running' }, other.token)).statusCode).toBe(403);
  });

  it('tells the runner to abort with `canceling` once a cancel is requested', async () => {
    const { job } = await claimed();
    await server.ctx.db
      .updateTable('deployments')
      .set({ cancel_requested_at: new Date() })
      .where('id', '=', job.id)
      .execute();
    expect((await sendLog(job, [line(1)])).json()).toEqual({ last_n: 1, status: 'canceling' });
  });

  it('refuses lines after the job ended with 409', async () => {
    const { job } = await claimed();
    expect((await sendUpdate(job, { status: 'succeeded', exit_code: 0 })).statusCode).toBe(200);
    const res = await sendLog(job, [line(1)]);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'JOB_FINISHED', details: { status: 'succeeded' } });
  });
});

describe('PUT /api/v1/runner/jobs/:id', () => {
  it('extends the lease on a running heartbeat', async () => {
    const { job } = await claimed();
    await server.ctx.db
      .updateTable('deployments')
      .set({ lease_expires_at: new Date(Date.now() + 1000) })
      .where('id', '=', job.id)
      .execute();
    const res = await sendUpdate(job, { status: 'running' });
    expect(res.json()).toEqual({ status: 'running', last_n: 0 });
    expect((await deploymentRow(job.id)).lease_expires_at!.getTime()).toBeGreaterThan(Date.now() + 60_000);
  });

  it('ends the job once; the same final status again is harmless, another one a conflict', async () => {
    const { job } = await claimed();
    const failed = { status: 'failed', exit_code: 2, failure_reason: 'script_failure', message: 'exit 2' };
    expect((await sendUpdate(job, failed)).json()).toEqual({ status: 'failed', last_n: 0 });
    expect((await sendUpdate(job, failed)).statusCode).toBe(200);
    const conflicting = await sendUpdate(job, { status: 'succeeded', exit_code: 0 });
    expect(conflicting.statusCode).toBe(409);
    expect((await sendUpdate(job, { status: 'running' })).statusCode).toBe(409);
    const row = await deploymentRow(job.id);
    expect(row).toMatchObject({
      status: 'failed',
      failure_reason: 'script_failure',
      exit_code: 2,
      message: 'exit 2',
      lease_expires_at: null,
    });
    const audits = await server.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'actor_login'])
      .where('entity_type', '=', 'deployment')
      .where('entity_id', '=', String(job.id))
      .orderBy('id')
      .execute();
    expect(audits.map((a) => a.action)).toEqual(['deployment_running', 'deployment_failed']);
    expect(audits[1]!.actor_login).toMatch(/^runner:/);
  });

  it('requires a failure reason exactly for a failed job', async () => {
    const { job } = await claimed();
    const missing = await sendUpdate(job, { status: 'failed', exit_code: 1 });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.details[0].field).toBe('failure_reason');
    const extra = await sendUpdate(job, { status: 'succeeded', failure_reason: 'timeout' });
    expect(extra.statusCode).toBe(400);
    const bad = await sendUpdate(job, { status: 'failed', failure_reason: 'bored' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.map((d: { field: string }) => d.field)).toContain('failure_reason');
  });

  it('reports a canceled job after an abort', async () => {
    const { job } = await claimed();
    await server.ctx.db
      .updateTable('deployments')
      .set({ cancel_requested_at: new Date() })
      .where('id', '=', job.id)
      .execute();
    expect((await sendUpdate(job, { status: 'running' })).json().status).toBe('canceling');
    expect((await sendUpdate(job, { status: 'canceled', exit_code: 143 })).json().status).toBe('canceled');
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a runner whose owner is disabled', () => {
  let admin: Awaited<ReturnType<typeof adminSession>>;
  beforeAll(async () => {
    admin = await adminSession(server);
  });

  async function disable(userId: number, disabled: boolean) {
    const res = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${userId}`,
      headers: admin,
      payload: { disabled },
    });
    expect(res.statusCode).toBe(200);
  }

  it('is told so on hello and on a job request, takes no job, and works again once the owner is enabled', async () => {
    const owner = await insertUser(server, { login: 'runner-owner' });
    const { runner, token } = await insertRunner(server, { owner_id: owner.id, shared: true });
    const { project } = await insertProject(server, { runner_id: runner.id, owner_id: owner.id });
    const deployment = await queue(project.id);
    await disable(owner.id, true);

    const hello = await server.app.inject({
      method: 'POST',
      url: '/api/v1/runner/hello',
      headers: auth(token),
      payload: { version: '1.2.3', hostname: 'h', public_key: null, concurrency: 1 },
    });
    expect(hello.statusCode).toBe(403);
    expect(hello.json().error.message).toBe('the owner of this runner is disabled');
    const request = await requestJob(token);
    expect(request.statusCode).toBe(403);
    expect(request.json().error.message).toBe('the owner of this runner is disabled');
    // Even a claim already under way (a long poll that began before) takes nothing.
    expect(await claimJob(server.ctx, runner, null)).toBeNull();
    expect((await deploymentRow(deployment.id)).status).toBe('queued');

    await disable(owner.id, false);
    const res = await requestJob(token);
    expect(res.statusCode).toBe(201);
    expect(res.json().id).toBe(deployment.id);
  });
});
