import { beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentView, EnvironmentView, Job, LogLine, LogSectionList } from '@polytene/protocol';
import { adminSession, signedInUser, useTestServer, type SessionHeaders } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../test-support/fixtures.js';
import { LISTS_TOPIC } from '../events/lists.js';
import { storedLines } from '../test-support/logs.js';

const server = useTestServer();
let admin: SessionHeaders;
let outsider: SessionHeaders;

beforeAll(async () => {
  admin = await adminSession(server);
  ({ session: outsider } = await signedInUser(server, { login: 'outsider' }));
});

/** A running job of a new runner and project, claimed through the protocol. */
async function claimed() {
  const { runner, token } = await insertRunner(server);
  const { project } = await insertProject(server, { runner_id: runner.id });
  const config = await insertBranchConfig(server, {
    project_id: project.id,
    environment: 'production',
    deployment_script: 'make deploy',
  });
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  await insertQueuedDeployment(server, build, config);
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/v1/runner/jobs/request',
    headers: { authorization: `Bearer ${token}` },
    payload: { wait_ms: 0 },
  });
  expect(res.statusCode).toBe(201);
  return res.json<Job>();
}

const K = '\u001b[0K';
const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (n: number) => new Date(T0 + n * 1000).toISOString();
const line = (n: number, text = `output ${n}`): LogLine => ({ n, stream: 'stdout', t: at(n), text });
const start = (n: number, name: string, header: string, options = '') =>
  line(n, `${K}section_start:${T0 / 1000 + n}:${name}${options}\r${K}${header}`);
const end = (n: number, name: string) => line(n, `${K}section_end:${T0 / 1000 + n}:${name}\r${K}`);

async function sendLog(job: Job, lines: LogLine[]) {
  const res = await server.app.inject({
    method: 'POST',
    url: `/api/v1/runner/jobs/${job.id}/log`,
    headers: { authorization: `Bearer ${job.token}` },
    payload: { lines },
  });
  expect(res.statusCode).toBe(200);
}

const get = (url: string, headers: SessionHeaders = admin) =>
  server.app.inject({ method: 'GET', url, headers });

async function sections(id: number) {
  const res = await get(`/api/v1/deployments/${id}/sections`);
  expect(res.statusCode).toBe(200);
  return res.json<LogSectionList>().sections;
}

async function deployment(id: number) {
  return (await get(`/api/v1/deployments/${id}`)).json<DeploymentView>();
}

describe('log sections and phases at ingest', () => {
  it('indexes sections and the phase once, however batches overlap or repeat', async () => {
    const job = await claimed();
    const first = [
      line(1, '::polytene-phase::prepare'),
      start(2, 'deploy', 'Deploy the app'),
      start(3, 'migrate', 'Migrate', '[collapsed=true]'),
      line(4),
      line(5),
    ];
    await sendLog(job, first);
    expect((await deployment(job.id)).phase).toBe('Migrate');
    const second = [...first.slice(2), line(6), end(7, 'migrate'), end(8, 'deploy')];
    const third = [...second.slice(3), line(9, '::polytene-phase::restart services\r'), line(10)];
    await sendLog(job, second);
    await sendLog(job, third);
    await sendLog(job, second);
    await sendLog(job, [...first, ...third]);

    expect(await sections(job.id)).toEqual([
      {
        name: 'deploy',
        header: 'Deploy the app',
        start_line: 2,
        end_line: 8,
        started_at: at(2),
        ended_at: at(8),
        duration_seconds: 6,
        depth: 0,
        collapsed: false,
      },
      {
        name: 'migrate',
        header: 'Migrate',
        start_line: 3,
        end_line: 7,
        started_at: at(3),
        ended_at: at(7),
        duration_seconds: 4,
        depth: 1,
        collapsed: true,
      },
    ]);
    const view = await deployment(job.id);
    expect(view).toMatchObject({ phase: 'restart services', phase_started_at: at(9) });
    const stored = await storedLines(server.ctx.db, job.id);
    expect(stored.map((l) => l.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(stored[2]!.text).toBe(first[2]!.text);
  });

  it('keeps a section open across batches until its end arrives', async () => {
    const job = await claimed();
    await sendLog(job, [start(1, 'build', 'Build'), line(2)]);
    expect(await sections(job.id)).toMatchObject([{ name: 'build', end_line: null, duration_seconds: null }]);
    await sendLog(job, [line(3), end(4, 'never-started'), end(5, 'build')]);
    expect(await sections(job.id)).toMatchObject([{ name: 'build', end_line: 5, duration_seconds: 4 }]);
  });

  it('announces a deployment change when the phase changes, not for every marker line', async () => {
    const job = await claimed();
    // The claim's own event (queued → running) is delivered after its commit: let it pass first.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events: unknown[] = [];
    const unsubscribe = server.ctx.bus.subscribe(LISTS_TOPIC, (data) => {
      const event = data.event as { deployment_id?: number } | undefined;
      if (event?.deployment_id === job.id) events.push(data);
    });
    try {
      await sendLog(job, [line(1, '::polytene-phase::build'), line(2)]);
      await sendLog(job, [line(3, '::polytene-phase::build'), line(4)]);
      await sendLog(job, [line(5, '::polytene-phase::ship')]);
      await waitFor(() => events.length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({ event: { kind: 'deployment', deployment_id: job.id } });
    } finally {
      unsubscribe();
    }
  });

  it('shows the phase of a running deployment on its environment', async () => {
    const job = await claimed();
    await sendLog(job, [line(1, '::polytene-phase::smoke tests')]);
    const view = await deployment(job.id);
    const env = await get(`/api/v1/environments/${view.environment_id}`);
    expect(env.statusCode).toBe(200);
    expect(env.json<EnvironmentView>().last).toMatchObject({ deployment_id: job.id, phase: 'smoke tests' });
  });

  it('answers the sections only to those who may see the log', async () => {
    const job = await claimed();
    expect((await get(`/api/v1/deployments/${job.id}/sections`, outsider)).statusCode).toBe(404);
    expect((await get('/api/v1/deployments/999999/sections')).statusCode).toBe(404);
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}
