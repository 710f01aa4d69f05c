import os from 'node:os';
import { afterAll, beforeAll, it } from 'vitest';
import { sql } from 'kysely';
import { RUNNER_ROUTES, runnerPath, type Job, type LogLine } from '@polytene/protocol';
import { openE2eDatabase, type E2eDatabase } from '../e2e/support/fixtures.js';
import { startServerProcess, type ServerProcess } from '../e2e/support/server-process.js';
import { ScriptedRunner } from '../e2e/support/runner-client.js';
import { linkedRunner, queueAndAnnounce } from '../e2e/support/queue.js';
import { formatRow, percentile } from './stats.js';

/**
 * Server benchmarks on a real server process (architecture.md §12: each figure is printed beside its
 * target): intake-to-claim latency with a runner waiting in long poll, log ingest through the protocol,
 * and resident memory at rest.
 */
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 200);
const INGEST_LINES = Number(process.env.BENCH_INGEST_LINES ?? 200_000);
const BATCH_SIZES = [1_000, 2_500, 5_000];
const PARALLEL_JOBS = 4;
/** Extra node flags for the server process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const LINE_TEXT = (n: number) =>
  `${new Date(0).toISOString()} step ${n}: compiling module ${n % 977} of the app... ok`;
/** Typical output as the runner ships it: a timestamp per millisecond (about 20 lines each), some stderr. */
const T0 = Date.now();
const typicalLines = (from: number, to: number): LogLine[] =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const n = from + i;
    const t = new Date(T0 + Math.floor(n / 20)).toISOString();
    return { n, stream: n % 10 === 0 ? 'stderr' : 'stdout', t, text: LINE_TEXT(n) };
  });
/** architecture.md §6: one job's log ingest, and the disk a line of typical output takes. */
const ONE_JOB_LINES_PER_SECOND = 300_000;
const JOBS_LINES_PER_SECOND = 50_000;
const BYTES_PER_LINE = 3;

let database: E2eDatabase;
let server: ServerProcess;
beforeAll(async () => {
  database = await openE2eDatabase();
  server = await startServerProcess(database.url, {}, SERVER_NODE_ARGS);
});
afterAll(async () => {
  await server?.stop();
  await database?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => bytes / 1024 / 1024;

async function idleRss(): Promise<number> {
  await sleep(3_000);
  return server.rss();
}

/** Each round: the runner waits in a long poll, a deployment is queued and announced, timed until claimed. */
async function claimLatencies(): Promise<number[]> {
  const target = await linkedRunner(database.fixtures);
  const runner = new ScriptedRunner(server.url, target.token);
  await runner.hello();
  const latencies: number[] = [];
  for (let i = 0; i < DEPLOYMENTS; i++) {
    const waiting = runner.requestJob(30_000);
    await sleep(30);
    const started = performance.now();
    const queued = await queueAndAnnounce(database.fixtures, target);
    const job = await waiting;
    latencies.push(performance.now() - started);
    if (job?.id !== queued.id) throw new Error(`round ${i}: claimed ${job?.id}, queued ${queued.id}`);
    await runner.update(job, { status: 'succeeded', exit_code: 0 });
  }
  return latencies;
}

interface Ingest {
  label: string;
  jobs: number;
  linesPerSecond: number;
  /** Growth of the log table (rows, TOAST, index) per line stored. */
  bytesPerLine: number;
  textMbPerSecond: number;
  bodyMbPerSecond: number;
}

interface PreparedIngest {
  job: Job;
  runner: ScriptedRunner;
  bodies: string[];
  lines: number;
  textBytes: number;
  bodyBytes: number;
}

/** Claims a job and prepares `lines` log lines as request bodies of `batch` lines each. */
async function prepareIngest(batch: number, lines: number): Promise<PreparedIngest> {
  const target = await linkedRunner(database.fixtures);
  const runner = new ScriptedRunner(server.url, target.token);
  const waiting = runner.requestJob(30_000);
  await queueAndAnnounce(database.fixtures, target);
  const job = (await waiting) as Job;
  const bodies: string[] = [];
  let textBytes = 0;
  for (let from = 1; from <= lines; from += batch) {
    const chunk = typicalLines(from, Math.min(from + batch - 1, lines));
    for (const line of chunk) textBytes += Buffer.byteLength(line.text);
    bodies.push(JSON.stringify({ lines: chunk }));
  }
  const bodyBytes = bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);
  return { job, runner, bodies, lines, textBytes, bodyBytes };
}

/** Sends the prepared batches of one job one after the other, as a runner does, then ends the job. */
async function ship({ job, runner, bodies }: PreparedIngest): Promise<void> {
  for (const body of bodies) {
    // The bodies are serialised beforehand (not timed), so this sends them itself, to the table's route.
    const res = await fetch(server.url + runnerPath('sendLog', job), {
      method: RUNNER_ROUTES.sendLog.method,
      headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/json' },
      body,
    });
    if (res.status !== 200) throw new Error(`log batch answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }
  await runner.update(job, { status: 'succeeded', exit_code: 0 });
}

/** Ingest through the protocol: `jobs` jobs shipping at once, `lines` lines in all. */
async function ingest(batch: number, jobs = 1, lines = INGEST_LINES): Promise<Ingest> {
  const prepared = await Promise.all(
    Array.from({ length: jobs }, () => prepareIngest(batch, Math.ceil(lines / jobs))),
  );
  const sizeBefore = await logTableBytes();
  const started = performance.now();
  await Promise.all(prepared.map(ship));
  const seconds = (performance.now() - started) / 1000;
  const sum = (f: (p: PreparedIngest) => number) => prepared.reduce((total, p) => total + f(p), 0);
  return {
    jobs,
    bytesPerLine: ((await logTableBytes()) - sizeBefore) / sum((p) => p.lines),
    label:
      jobs === 1 ? `batches of ${batch} lines, one job` : `batches of ${batch} lines, ${jobs} jobs at once`,
    linesPerSecond: sum((p) => p.lines) / seconds,
    textMbPerSecond: mb(sum((p) => p.textBytes)) / seconds,
    bodyMbPerSecond: mb(sum((p) => p.bodyBytes)) / seconds,
  };
}

/** Bytes on disk of the log table with its TOAST table and index. */
async function logTableBytes(): Promise<number> {
  const { rows } = await sql<{ bytes: number }>`
    SELECT pg_total_relation_size('log_chunks')::bigint AS bytes`.execute(database.fixtures.ctx.db);
  return Number(rows[0]?.bytes ?? 0);
}

it('measures claim latency, log ingest and idle memory', async () => {
  const rssAtStart = await idleRss();
  const latencies = await claimLatencies();
  // A first job makes the log table's first pages, forks and index levels, which no line should pay for.
  await ingest(1_000, 1, 20_000);
  const ingests: Ingest[] = [];
  for (const batch of BATCH_SIZES) ingests.push(await ingest(batch));
  ingests.push(await ingest(5_000, PARALLEL_JOBS));
  const rssAfterLoad = await idleRss();

  const p50 = percentile(latencies, 0.5);
  const p95 = percentile(latencies, 0.95);
  const slowestIngest = Math.min(...ingests.filter((i) => i.jobs === 1).map((i) => i.linesPerSecond));
  const rows = [
    '',
    `Polytene server benchmark (one server process, ${DEPLOYMENTS} deployments, ${INGEST_LINES} lines per batch size)`,
    formatRow('intake-to-claim latency p50', `${p50.toFixed(1)} ms`, '< 50 ms', p50 < 50),
    formatRow('intake-to-claim latency p95', `${p95.toFixed(1)} ms`, '(reported)', true),
    formatRow('intake-to-claim latency max', `${Math.max(...latencies).toFixed(1)} ms`, '(reported)', true),
    ...ingests.map((i) => {
      const target = i.jobs === 1 ? ONE_JOB_LINES_PER_SECOND : JOBS_LINES_PER_SECOND;
      return formatRow(
        `ingest, ${i.label}`,
        `${Math.round(i.linesPerSecond)} lines/s`,
        `>= ${target}/s`,
        i.linesPerSecond >= target,
      );
    }),
    ...ingests.map((i) =>
      formatRow(
        `  disk per line, ${i.label}`,
        `${i.bytesPerLine.toFixed(2)} bytes`,
        `<= ${BYTES_PER_LINE} bytes`,
        i.bytesPerLine <= BYTES_PER_LINE,
      ),
    ),
    ...ingests.map((i) =>
      formatRow(
        `  MB/s text / bodies, ${i.label}`,
        `${i.textMbPerSecond.toFixed(1)} / ${i.bodyMbPerSecond.toFixed(1)}`,
        '(reported)',
        true,
      ),
    ),
    formatRow(
      'server RSS idle after start',
      `${mb(rssAtStart).toFixed(1)} MB`,
      '< 150 MB',
      mb(rssAtStart) < 150,
    ),
    formatRow(
      'server RSS idle after the load',
      `${mb(rssAfterLoad).toFixed(1)} MB`,
      '< 150 MB',
      mb(rssAfterLoad) < 150,
    ),
    `  slowest one-job ingest: ${Math.round(slowestIngest)} lines/s; machine: ${os.cpus().length} cores, ` +
      `load average ${os.loadavg()[0]!.toFixed(1)} (benchmarks share the machine with whatever else runs)`,
    '',
  ];
  console.log(rows.join('\n'));
});
