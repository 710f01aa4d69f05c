import { describe, expect, it } from 'vitest';
import type { Job, LogLine } from '@polytene/protocol';
import { useTestServer } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../test-support/fixtures.js';
import { deploymentTopic } from '../deployments/transitions.js';
import { storedLines as linesOf } from '../test-support/logs.js';

const server = useTestServer();

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
  return { runner, project, job: res.json<Job>() };
}

const line = (n: number, text = `line ${n}`): LogLine => ({
  n,
  stream: 'stdout',
  t: new Date().toISOString(),
  text,
});

function sendLog(job: Job, lines: LogLine[]) {
  return server.app.inject({
    method: 'POST',
    url: `/api/v1/runner/jobs/${job.id}/log`,
    headers: { authorization: `Bearer ${job.token}` },
    payload: { lines },
  });
}

const storedLines = async (deploymentId: number) =>
  (await linesOf(server.ctx.db, deploymentId)).map(({ n, text }) => ({ n, text }));

const lastSeen = async (runnerId: number) =>
  (
    await server.ctx.db
      .selectFrom('runners')
      .select('last_seen_at')
      .where('id', '=', runnerId)
      .executeTakeFirstOrThrow()
  ).last_seen_at;

const setLastSeen = (runnerId: number, at: Date | null) =>
  server.ctx.db.updateTable('runners').set({ last_seen_at: at }).where('id', '=', runnerId).execute();

describe('log ingest', () => {
  it('marks the runner seen while it streams a log, at most every few seconds', async () => {
    const { runner, job } = await claimed();
    const minuteAgo = new Date(Date.now() - 60_000);
    await setLastSeen(runner.id, minuteAgo);
    expect((await sendLog(job, [line(1)])).statusCode).toBe(200);
    const touched = await lastSeen(runner.id);
    expect(touched!.getTime()).toBeGreaterThan(Date.now() - 30_000);

    const secondAgo = new Date(Date.now() - 1_000);
    await setLastSeen(runner.id, secondAgo);
    expect((await sendLog(job, [line(2)])).statusCode).toBe(200);
    expect((await lastSeen(runner.id))!.getTime()).toBe(secondAgo.getTime());

    await setLastSeen(runner.id, null);
    expect((await sendLog(job, [line(3)])).statusCode).toBe(200);
    expect(await lastSeen(runner.id)).not.toBeNull();
  });

  it('fills lines missing below the last stored one and keeps the first line sent under a number', async () => {
    const { job } = await claimed();
    expect((await sendLog(job, [line(1), line(2), line(5)])).json().last_n).toBe(5);
    const gapFilled = await sendLog(job, [line(3), line(4), line(5, 'again'), line(6)]);
    expect(gapFilled.json()).toEqual({ last_n: 6, status: 'running' });
    const repeated = await sendLog(job, [line(7, 'first'), line(8), line(7, 'second')]);
    expect(repeated.json().last_n).toBe(8);
    expect(await storedLines(job.id)).toEqual([
      { n: 1, text: 'line 1' },
      { n: 2, text: 'line 2' },
      { n: 3, text: 'line 3' },
      { n: 4, text: 'line 4' },
      { n: 5, text: 'line 5' },
      { n: 6, text: 'line 6' },
      { n: 7, text: 'first' },
      { n: 8, text: 'line 8' },
    ]);
    const row = await server.ctx.db
      .selectFrom('deployments')
      .select(['last_log_n', 'log_bytes'])
      .where('id', '=', job.id)
      .executeTakeFirstOrThrow();
    expect(row.last_log_n).toBe(8);
    expect(row.log_bytes).toBe(7 * 'line 1'.length + 'first'.length);
  });

  it('stores overlapping batches sent at once exactly once', async () => {
    const { job } = await claimed();
    const batches = [1, 51, 101, 151].map((from) => Array.from({ length: 100 }, (_, i) => line(from + i)));
    const answers = await Promise.all(batches.map((batch) => sendLog(job, batch)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    const lines = await storedLines(job.id);
    expect(lines.map((l) => l.n)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
  });

  it('wakes the live log once per batch that added lines, with the last line number', async () => {
    const { job } = await claimed();
    const events: Record<string, unknown>[] = [];
    // Other changes of the deployment (such as its claim) are told on the same topic, without last_n.
    const unsubscribe = server.ctx.bus.subscribe(deploymentTopic(job.id), (data) => {
      if ('last_n' in data) events.push(data);
    });
    try {
      await sendLog(job, [line(1), line(2)]);
      await sendLog(job, [line(1), line(2)]);
      await sendLog(job, [line(2), line(3)]);
      await expect.poll(() => events.length).toBe(2);
      await new Promise((r) => setTimeout(r, 300));
      expect(events).toEqual([{ last_n: 2 }, { last_n: 3 }]);
    } finally {
      unsubscribe();
    }
  });

  it('past the size limit keeps the first and the last part, the end and the final status', async () => {
    const { job } = await claimed();
    const { config } = server.ctx;
    const before = { head: config.logHeadBytes, tail: config.logTailBytes };
    Object.assign(config, { logHeadBytes: 2000, logTailBytes: 4000 });
    const text = (n: number) => `${n} `.padEnd(100, '.');
    try {
      for (let from = 1; from <= 1000; from += 50) {
        const batch = Array.from({ length: 50 }, (_, i) => line(from + i, text(from + i)));
        expect((await sendLog(job, batch)).json().last_n).toBe(from + 49);
      }
      const ended = await server.app.inject({
        method: 'PUT',
        url: `/api/v1/runner/jobs/${job.id}`,
        headers: { authorization: `Bearer ${job.token}` },
        payload: { status: 'succeeded', exit_code: 0 },
      });
      expect(ended.json()).toEqual({ status: 'succeeded', last_n: 1000 });
    } finally {
      Object.assign(config, { logHeadBytes: before.head, logTailBytes: before.tail });
    }
    const stored = await linesOf(server.ctx.db, job.id);
    expect(stored.slice(0, 20).map((l) => l.text)).toEqual(Array.from({ length: 20 }, (_, i) => text(i + 1)));
    const notices = stored.filter((l) => l.stream === 'system');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      n: 21,
      text: expect.stringMatching(/^\d+ lines \(.+\) dropped here/),
    });
    const tail = stored.slice(21);
    expect(tail.at(-1)).toMatchObject({ n: 1000, text: text(1000) });
    expect(tail.length).toBeGreaterThanOrEqual(40);
    expect(tail.map((l) => l.n)).toEqual(
      Array.from({ length: tail.length }, (_, i) => 1001 - tail.length + i),
    );
    const row = await server.ctx.db
      .selectFrom('deployments')
      .select(['status', 'last_log_n', 'log_bytes'])
      .where('id', '=', job.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'succeeded', last_log_n: 1000, log_bytes: 1000 * 100 });
  });

  it("deletes a deployment's lines with the deployment", async () => {
    const { project, job } = await claimed();
    await sendLog(job, [line(1), line(2)]);
    const { job: other } = await claimed();
    await sendLog(other, [line(1)]);
    await server.ctx.db.deleteFrom('projects').where('id', '=', project.id).execute();
    expect(await storedLines(job.id)).toEqual([]);
    expect(await storedLines(other.id)).toHaveLength(1);
  });
});
