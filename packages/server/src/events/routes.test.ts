import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Job, LogLine } from '@polytene/protocol';
import { SseReader, type SseEvent } from '../../../../e2e/support/sse.js';
import {
  insertUser,
  login,
  useTestServer,
  type SessionHeaders,
  signedInUser,
} from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../test-support/fixtures.js';
import { deploymentTopic } from '../deployments/transitions.js';
import { publish } from './bus.js';
import { HEARTBEAT_MS, LINES_PER_EVENT } from './routes.js';

const server = useTestServer();
let base: string;
let admin: SessionHeaders;
beforeAll(async () => {
  base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  ({ session: admin } = await signedInUser(server, { login: 'watcher', role: 'admin' }));
  await insertUser(server, { login: 'outsider' });
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function runningJob(): Promise<Job> {
  const { runner, token } = await insertRunner(server);
  const { project } = await insertProject(server, { runner_id: runner.id });
  const config = await insertBranchConfig(server, { project_id: project.id });
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  await insertQueuedDeployment(server, build, config);
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/v1/runner/jobs/request',
    headers: auth(token),
    payload: { wait_ms: 0 },
  });
  expect(res.statusCode).toBe(201);
  return res.json<Job>();
}

const line = (n: number) => ({ n, stream: 'stdout', t: new Date().toISOString(), text: `line ${n}` });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(from + i));

async function sendLines(job: Job, lines: unknown[]) {
  const res = await server.app.inject({
    method: 'POST',
    url: `/api/v1/runner/jobs/${job.id}/log`,
    headers: auth(job.token),
    payload: { lines },
  });
  expect(res.statusCode).toBe(200);
}

async function finish(job: Job, status: string, extra: Record<string, unknown> = {}) {
  const res = await server.app.inject({
    method: 'PUT',
    url: `/api/v1/runner/jobs/${job.id}`,
    headers: auth(job.token),
    payload: { status, ...extra },
  });
  expect(res.statusCode).toBe(200);
}

const open = (job: Job, query = '', headers: Record<string, string> = {}) =>
  SseReader.open(`${base}/api/v1/deployments/${job.id}/events${query}`, { cookie: admin.cookie, ...headers });

const linesOf = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'log')
    .flatMap((e) => (JSON.parse(e.data) as { lines: LogLine[] }).lines.map((l) => l.n));
const statusesOf = (events: SseEvent[]) =>
  events.filter((e) => e.event === 'status').map((e) => (JSON.parse(e.data) as { status: string }).status);

describe('GET /api/v1/deployments/:id/events', () => {
  it('sends stored lines after ?after in batches, then live lines and statuses, and ends after the final one', async () => {
    const job = await runningJob();
    await sendLines(job, range(1, LINES_PER_EVENT + 500));
    const stream = await open(job, '?after=10');
    const first = await stream.next();
    expect(first?.event).toBe('log');
    expect(first?.id).toBe(String(LINES_PER_EVENT + 10));
    expect(linesOf([first!])).toEqual(range(11, LINES_PER_EVENT + 10).map((l) => l.n));
    await sendLines(job, range(LINES_PER_EVENT + 501, LINES_PER_EVENT + 600));
    await server.ctx.db
      .updateTable('deployments')
      .set({ cancel_requested_at: new Date() })
      .where('id', '=', job.id)
      .execute();
    await publish(server.ctx.db, deploymentTopic(job.id), { cancel_requested: true });
    const events: SseEvent[] = [first!];
    while (statusesOf(events).at(-1) !== 'canceling') events.push((await stream.next())!);
    await finish(job, 'canceled');
    events.push(...(await stream.rest()));
    expect(linesOf(events)).toEqual(range(11, LINES_PER_EVENT + 600).map((l) => l.n));
    expect(statusesOf(events).at(-1)).toBe('canceled');
    expect(events.at(-1)?.event).toBe('status');
  });

  it('sends status changes including canceling, each once', async () => {
    const job = await runningJob();
    const stream = await open(job);
    expect(statusesOf([(await stream.next())!])).toEqual(['running']);
    await server.ctx.db
      .updateTable('deployments')
      .set({ cancel_requested_at: new Date() })
      .where('id', '=', job.id)
      .execute();
    await sendLines(job, [line(1)]);
    await finish(job, 'canceled');
    const events = await stream.rest();
    expect(statusesOf(events)).toEqual(['canceling', 'canceled']);
    expect(linesOf(events)).toEqual([1]);
  });

  it('resumes after the Last-Event-ID header', async () => {
    const job = await runningJob();
    await sendLines(job, range(1, 30));
    await finish(job, 'succeeded', { exit_code: 0 });
    const stream = await open(job, '?after=1', { 'last-event-id': '25' });
    const events = await stream.rest();
    expect(linesOf(events)).toEqual([26, 27, 28, 29, 30]);
    expect(statusesOf(events)).toEqual(['succeeded']);
  });

  it('sends a comment heartbeat while nothing happens', async () => {
    vi.useFakeTimers({ toFake: ['setInterval'] });
    try {
      const job = await runningJob();
      const stream = await open(job);
      await stream.next();
      vi.advanceTimersByTime(HEARTBEAT_MS);
      await waitFor(async () => {
        await stream.next(200).catch(() => null);
        return stream.comments.includes('heartbeat');
      });
      stream.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('unsubscribes when the browser goes away', async () => {
    const job = await runningJob();
    const stream = await open(job);
    await stream.next();
    expect(server.ctx.bus.listenerCount(deploymentTopic(job.id))).toBe(1);
    stream.close();
    await waitFor(async () => server.ctx.bus.listenerCount(deploymentTopic(job.id)) === 0);
  });

  it('answers 401 without a session, 404 to whom may not see the project, 400 for a bad Last-Event-ID', async () => {
    const job = await runningJob();
    const url = `/api/v1/deployments/${job.id}/events`;
    expect((await server.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    const outsider = await login(server, 'outsider', 'Test-Passw0rd!');
    const hidden = await server.app.inject({ method: 'GET', url, headers: { cookie: outsider.cookie } });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error.message).toBe('deployment not found');
    const missing = await server.app.inject({
      method: 'GET',
      url: '/api/v1/deployments/999999/events',
      headers: admin,
    });
    expect(missing.statusCode).toBe(404);
    const bad = await server.app.inject({
      method: 'GET',
      url,
      headers: { ...admin, 'last-event-id': 'abc' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toContain('last-event-id');
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
