import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine } from '@polytene/protocol';
import { insertUser, TEST_PASSWORD } from '../packages/server/src/test-support/server.js';
import { openE2eDatabase, type E2eDatabase } from './support/fixtures.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { ScriptedRunner, numberedLines } from './support/runner-client.js';
import { linkedRunner, queueAndAnnounce } from './support/queue.js';
import { SseReader, type SseEvent } from './support/sse.js';

let database: E2eDatabase;
let first: ServerProcess;
let second: ServerProcess;
beforeAll(async () => {
  database = await openE2eDatabase();
  [first, second] = await Promise.all([startServerProcess(database.url), startServerProcess(database.url)]);
}, 120_000);
afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  await database?.close();
});

async function sessionCookie(server: ServerProcess): Promise<string> {
  await insertUser(database.fixtures, { login: 'viewer', role: 'admin' });
  const res = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'viewer', password: TEST_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

describe('two server processes on one database', () => {
  it('streams live to a browser on the second process what the runner sends to the first', async () => {
    const cookie = await sessionCookie(second);
    const target = await linkedRunner(database.fixtures);
    const runner = new ScriptedRunner(first.url, target.token);
    const waiting = runner.requestJob(20_000);
    await new Promise((r) => setTimeout(r, 100));
    const queuedAt = Date.now();
    const queued = await queueAndAnnounce(database.fixtures, target);
    const job = (await waiting)!;
    expect(job.id).toBe(queued.id);
    expect(Date.now() - queuedAt).toBeLessThan(2_000);

    const stream = await SseReader.open(`${second.url}/api/v1/deployments/${job.id}/events`, { cookie });
    const events: SseEvent[] = [(await stream.next())!];
    expect(JSON.parse(events[0]!.data)).toMatchObject({ status: 'running' });
    for (let from = 1; from <= 2_000; from += 250) {
      await runner.sendLog(job, numberedLines(from, from + 249));
      await new Promise((r) => setTimeout(r, 20));
    }
    await runner.update(job, { status: 'succeeded', exit_code: 0 });
    events.push(...(await stream.rest()));

    const lines = events
      .filter((e) => e.event === 'log')
      .flatMap((e) => (JSON.parse(e.data) as { lines: LogLine[] }).lines);
    expect(lines.map((l) => l.n)).toEqual(Array.from({ length: 2_000 }, (_, i) => i + 1));
    expect(events.filter((e) => e.event === 'log').length).toBeGreaterThan(1);
    expect(events.at(-1)).toMatchObject({ event: 'status' });
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ status: 'succeeded', exit_code: 0 });
  });
});
