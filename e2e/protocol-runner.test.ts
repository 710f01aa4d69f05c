import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openE2eDatabase, type E2eDatabase } from './support/fixtures.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { ProtocolError, ScriptedRunner, numberedLines } from './support/runner-client.js';
import { linkedRunner, queueAndAnnounce } from './support/queue.js';
import { storedLines } from '../packages/server/src/test-support/logs.js';

let database: E2eDatabase;
let server: ServerProcess;
beforeAll(async () => {
  database = await openE2eDatabase();
  server = await startServerProcess(database.url, {
    POLYTENE_LEASE_SECONDS: '5',
    POLYTENE_LEASE_CHECK_SECONDS: '0.5',
  });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await database?.close();
});

const deployment = (id: number) =>
  database.fixtures.ctx.db
    .selectFrom('deployments')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

async function claimedJob() {
  const target = await linkedRunner(database.fixtures);
  const runner = new ScriptedRunner(server.url, target.token);
  await runner.hello();
  const waiting = runner.requestJob(20_000);
  await new Promise((r) => setTimeout(r, 100));
  const queued = await queueAndAnnounce(database.fixtures, target);
  const job = await waiting;
  expect(job?.id).toBe(queued.id);
  return { runner, job: job! };
}

describe('a runner process talking to a server process', () => {
  it('claims a job from a long poll, streams 10,000 lines once each and in order, and succeeds', async () => {
    const { runner, job } = await claimedJob();
    expect(job.script).toBe('echo deploy');
    for (let from = 1; from <= 10_000; from += 1_000) {
      const batch = numberedLines(from, from + 999);
      const answer = await runner.sendLog(job, batch);
      expect(answer).toEqual({ last_n: from + 999, status: 'running' });
      if (from === 3_001) expect((await runner.sendLog(job, batch)).last_n).toBe(4_000);
    }
    await runner.sendLog(job, numberedLines(9_990, 10_000));
    expect(await runner.update(job, { status: 'succeeded', exit_code: 0 })).toEqual({
      status: 'succeeded',
      last_n: 10_000,
    });

    const stored = await storedLines(database.fixtures.ctx.db, job.id);
    expect(stored).toHaveLength(10_000);
    stored.forEach((line, i) => {
      expect(line.n).toBe(i + 1);
      expect(line.text).toBe(`line ${i + 1} of the deployment`);
    });
    expect(await deployment(job.id)).toMatchObject({ status: 'succeeded', exit_code: 0, last_log_n: 10_000 });
  });

  it('is told `canceling` after a cancel request and ends the job as canceled', async () => {
    const { runner, job } = await claimedJob();
    expect((await runner.sendLog(job, numberedLines(1, 10))).status).toBe('running');
    await database.fixtures.ctx.db
      .updateTable('deployments')
      .set({ cancel_requested_at: new Date() })
      .where('id', '=', job.id)
      .execute();
    expect((await runner.sendLog(job, numberedLines(11, 20))).status).toBe('canceling');
    await runner.sendLog(
      job,
      numberedLines(21, 21, () => 'Terminated'),
    );
    expect((await runner.update(job, { status: 'canceled', exit_code: 143 })).status).toBe('canceled');
    expect(await deployment(job.id)).toMatchObject({ status: 'canceled', last_log_n: 21 });
    await expect(runner.sendLog(job, numberedLines(22, 22))).rejects.toMatchObject({ status: 409 });
  });

  it('loses the job as failed / runner_lost when the runner goes silent past its lease', async () => {
    const { runner, job } = await claimedJob();
    await runner.sendLog(job, numberedLines(1, 5));
    const deadline = Date.now() + 20_000;
    let row = await deployment(job.id);
    while (row.status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      row = await deployment(job.id);
    }
    expect(row).toMatchObject({ status: 'failed', failure_reason: 'runner_lost' });
    const late = await runner.sendLog(job, numberedLines(6, 6)).catch((error: unknown) => error);
    expect(late).toBeInstanceOf(ProtocolError);
    expect((late as ProtocolError).status).toBe(409);
  }, 30_000);
});
