import os from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, it } from 'vitest';
import type { Job, LogLine } from '@polytene/protocol';
import { openE2eDatabase, type E2eDatabase } from '../e2e/support/fixtures.js';
import type { ServerProcess } from '../e2e/support/server-process.js';
import { ScriptedRunner } from '../e2e/support/runner-client.js';
import { linkedRunner, queueAndAnnounce } from '../e2e/support/queue.js';
import { SseReader } from '../e2e/support/sse.js';
import { insertUser, TEST_PASSWORD } from '../packages/server/src/test-support/server.js';
import { EVENTS_CHANNEL } from '../packages/server/src/events/bus.js';
import { formatRow, percentile } from './stats.js';
import { sleep, startReplicas } from './replicas.js';

/**
 * Live-event fan-out through PostgreSQL LISTEN/NOTIFY (architecture.md §6 "Live events", issue 12
 * item 7): 3 server replicas on one database, 20 jobs each shipping log batches as fast as the server
 * takes them to one replica, each watched live over SSE on another replica. Prints the delay from a
 * batch sent to its lines shown, the NOTIFY rate and payload bytes, the notification queue's use, and
 * whether any line was lost.
 */
const REPLICAS = 3;
const STREAMS = 20;
const SECONDS = Number(process.env.BENCH_FANOUT_SECONDS ?? 10);
const BATCH_LINES = 200;
const P95_MS = 1_000;

let database: E2eDatabase;
let replicas: ServerProcess[];
beforeAll(async () => {
  database = await openE2eDatabase();
  replicas = await startReplicas(database.url, REPLICAS);
});
afterAll(async () => {
  await Promise.all((replicas ?? []).map((r) => r.stop()));
  await database?.close();
});

async function sessionCookie(server: ServerProcess): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'watcher', password: TEST_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

const T0 = Date.now();
const lines = (from: number, count: number): LogLine[] =>
  Array.from({ length: count }, (_, i) => ({
    n: from + i,
    stream: 'stdout',
    t: new Date(T0 + from + i).toISOString(),
    text: `step ${from + i}: compiling module ${(from + i) % 977} of the app... ok`,
  }));

interface Stream {
  job: Job;
  runner: ScriptedRunner;
  reader: SseReader;
  /** When the batch ending at line n was sent. */
  sentAt: Map<number, number>;
  delays: number[];
  ingestMs: number[];
  received: number[];
  lastSent: number;
}

async function openStream(i: number): Promise<Stream> {
  const ingest = replicas[i % REPLICAS]!;
  const watch = replicas[(i + 1) % REPLICAS]!;
  const target = await linkedRunner(database.fixtures);
  const runner = new ScriptedRunner(ingest.url, target.token);
  const waiting = runner.requestJob(20_000);
  await queueAndAnnounce(database.fixtures, target);
  const job = (await waiting)!;
  const reader = await SseReader.open(`${watch.url}/api/v1/deployments/${job.id}/events`, {
    cookie: await sessionCookie(watch),
  });
  await reader.next(); // status: running
  return { job, runner, reader, sentAt: new Map(), delays: [], ingestMs: [], received: [], lastSent: 0 };
}

/** Reads the live stream until it ends, noting when each batch's last line arrived. */
async function watch(stream: Stream): Promise<void> {
  for (let event = await stream.reader.next(30_000); event; event = await stream.reader.next(30_000)) {
    if (event.event !== 'log') continue;
    const now = performance.now();
    for (const line of (JSON.parse(event.data) as { lines: LogLine[] }).lines) {
      stream.received.push(line.n);
      const sent = stream.sentAt.get(line.n);
      if (sent !== undefined) stream.delays.push(now - sent);
    }
  }
}

/** Ships batches back to back until `until`, then ends the job. */
async function ship(stream: Stream, until: number): Promise<void> {
  while (performance.now() < until) {
    const from = stream.lastSent + 1;
    const started = performance.now();
    stream.sentAt.set(from + BATCH_LINES - 1, started);
    await stream.runner.sendLog(stream.job, lines(from, BATCH_LINES));
    stream.ingestMs.push(performance.now() - started);
    stream.lastSent = from + BATCH_LINES - 1;
  }
  await stream.runner.update(stream.job, { status: 'succeeded', exit_code: 0 });
}

it('fans live log events out across replicas through NOTIFY without losing any', async () => {
  await insertUser(database.fixtures, { login: 'watcher', role: 'admin' });
  const streams: Stream[] = [];
  for (let i = 0; i < STREAMS; i++) streams.push(await openStream(i));

  // A LISTEN connection of its own counts what goes through the channel, and the queue is sampled.
  const listener = new pg.Client({ connectionString: database.url });
  await listener.connect();
  let notifications = 0;
  let payloadBytes = 0;
  listener.on('notification', (msg) => {
    notifications++;
    payloadBytes += Buffer.byteLength(msg.payload ?? '');
  });
  await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
  let queueUse = 0;
  const sampler = setInterval(() => {
    void listener
      .query<{ use: number }>('SELECT pg_notification_queue_usage() AS use')
      .then(({ rows }) => (queueUse = Math.max(queueUse, Number(rows[0]?.use ?? 0))))
      .catch(() => undefined);
  }, 250);

  const started = performance.now();
  const watching = streams.map(watch);
  await Promise.all(streams.map((s) => ship(s, started + SECONDS * 1000)));
  const shippedSeconds = (performance.now() - started) / 1000;
  await Promise.all(watching);
  await sleep(300);
  clearInterval(sampler);
  await listener.end();

  const delays = streams.flatMap((s) => s.delays);
  const ingest = streams.flatMap((s) => s.ingestMs);
  const sent = streams.reduce((sum, s) => sum + s.lastSent, 0);
  const lost = streams.reduce((sum, s) => {
    const got = new Set(s.received);
    let missing = 0;
    for (let n = 1; n <= s.lastSent; n++) if (!got.has(n)) missing++;
    return sum + missing + (s.received.length - got.size);
  }, 0);
  const p50 = percentile(delays, 0.5);
  const p95 = percentile(delays, 0.95);
  const rows = [
    '',
    `Polytene live-event fan-out (${REPLICAS} server processes on one PostgreSQL, ${STREAMS} log streams of ${BATCH_LINES}-line batches for ${SECONDS} s, each watched on another replica; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`,
    formatRow(
      'lines shipped per second, all streams',
      `${Math.round(sent / shippedSeconds)}`,
      '(reported)',
      true,
    ),
    formatRow(
      'batches per second, all streams',
      `${(ingest.length / shippedSeconds).toFixed(0)}`,
      '(reported)',
      true,
    ),
    formatRow(
      'batch ingest (sent to answered) p50',
      `${percentile(ingest, 0.5).toFixed(1)} ms`,
      '(reported)',
      true,
    ),
    formatRow('batch sent to shown on another replica p50', `${p50.toFixed(1)} ms`, '(reported)', true),
    formatRow(
      'batch sent to shown on another replica p95',
      `${p95.toFixed(1)} ms`,
      `<= ${P95_MS} ms`,
      p95 <= P95_MS,
    ),
    formatRow(
      'NOTIFY messages per second (all topics)',
      `${(notifications / shippedSeconds).toFixed(0)}`,
      '(reported)',
      true,
    ),
    formatRow(
      'NOTIFY payload bytes per second',
      `${(payloadBytes / shippedSeconds).toFixed(0)}`,
      '(reported)',
      true,
    ),
    formatRow(
      'notification queue use, highest',
      `${(queueUse * 100).toFixed(4)} %`,
      '< 1 %',
      queueUse < 0.01,
    ),
    formatRow('lines lost or doubled in the live streams', String(lost), '0', lost === 0),
  ];
  console.log(rows.join('\n'));
});

/** The channel alone: how many NOTIFYs one database delivers, to every listener, from many writers. */
it('measures what LISTEN/NOTIFY itself carries: 20 writers as fast as they can, 3 listeners', async () => {
  const WRITERS = 20;
  const LISTENERS = REPLICAS;
  const RAW_SECONDS = 3;
  const channel = 'polytene_bench_notify';
  const listeners = await Promise.all(
    Array.from({ length: LISTENERS }, async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const seen = { count: 0, delays: [] as number[] };
      client.on('notification', (msg) => {
        seen.count++;
        const sent = Number(JSON.parse(msg.payload ?? '{}').data?.sent);
        seen.delays.push(Date.now() - sent);
      });
      await client.query(`LISTEN ${channel}`);
      return { client, seen };
    }),
  );
  const writers = await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      return client;
    }),
  );
  let sent = 0;
  const until = performance.now() + RAW_SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    writers.map(async (client, w) => {
      while (performance.now() < until) {
        // The size of the payload log ingest publishes (`deployment:<id>` with the last line number).
        const payload = JSON.stringify({
          topic: `deployment:${1000 + w}`,
          data: { last_n: sent, sent: Date.now() },
        });
        await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
        sent++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await sleep(1_000);
  await Promise.all([...writers, ...listeners.map((l) => l.client)].map((c) => c.end()));
  const delays = listeners.flatMap((l) => l.seen.delays);
  const lost = listeners.reduce((sum, l) => sum + (sent - l.seen.count), 0);
  const rows = [
    '',
    `PostgreSQL LISTEN/NOTIFY alone (${WRITERS} writers, one NOTIFY per commit, ${LISTENERS} listeners, ${RAW_SECONDS} s; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`,
    formatRow('NOTIFY commits per second', `${Math.round(sent / seconds)}`, '(reported)', true),
    formatRow(
      'delivered per second (all listeners)',
      `${Math.round((sent * LISTENERS - lost) / seconds)}`,
      '(reported)',
      true,
    ),
    formatRow('delivery delay p50', `${percentile(delays, 0.5).toFixed(1)} ms`, '(reported)', true),
    formatRow('delivery delay p95', `${percentile(delays, 0.95).toFixed(1)} ms`, '(reported)', true),
    formatRow('notifications lost', String(lost), '0', lost === 0),
  ];
  console.log(rows.join('\n'));
});
