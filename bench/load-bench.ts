import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { FINAL_STATUSES } from '@polytene/protocol';
import { chunksAfter } from '../packages/server/src/logs/store.js';
import { adminSession, bearerFor } from '../packages/server/src/test-support/server.js';
import { insertRunner } from '../packages/server/src/test-support/fixtures.js';
import { openE2eDatabase, type E2eDatabase } from '../e2e/support/fixtures.js';
import { startServerProcess, type ServerProcess } from '../e2e/support/server-process.js';
import {
  LINE_PATTERN,
  LoadApi,
  cpuSecondsOf,
  RunnerProcess,
  followLog,
  heapSnapshot,
  loadScript,
  makeRepo,
  mb,
  memoryBreakdown,
  rssOf,
  sleep,
} from './load-support.js';
import { formatRow, percentile } from './stats.js';

/**
 * Sustained load (architecture.md §12): two server processes on one PostgreSQL, eight real runner
 * processes running deployments of LINES lines back to back, API_READS_PER_SECOND typical GETs spread over
 * both replicas, and live log followers on the replica the runner does not post to. Prints throughput,
 * API latency, live log delay, replica memory and log completeness beside their targets.
 */
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 300);
const RUNNERS = 8;
const LINES = 10_000;
const API_READS_PER_SECOND = 50;
/** Slots whose deployments are followed live: 3 readers at a time. */
const FOLLOWED_SLOTS = 3;
const DEPLOYMENT_TIMEOUT_MS = 180_000;
/** Seconds after the load at which idle memory is read (BENCH_IDLE_SAMPLES, comma-separated). */
const IDLE_SAMPLES_S = (process.env.BENCH_IDLE_SAMPLES ?? '5,30').split(',').map(Number);
/** Extra node flags for the server processes, e.g. `--heapsnapshot-signal=SIGUSR2`. */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);

let database: E2eDatabase;
let replicas: ServerProcess[] = [];
const runners: RunnerProcess[] = [];
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'polytene-load-bench-'));
  database = await openE2eDatabase();
  replicas = await Promise.all([0, 1].map(() => startServerProcess(database.url, {}, SERVER_NODE_ARGS)));
}, 180_000);
afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  await Promise.all(replicas.map((r) => r.stop()));
  await database?.close();
  if (root) await rm(root, { recursive: true, force: true });
}, 120_000);

interface Finished {
  id: number;
  slot: number;
  status: string;
  failureReason: string | null;
}

/** Waits until a deployment reaches a final status, reading the database (not the API under test). */
async function finalStatus(id: number): Promise<{ status: string; failureReason: string | null }> {
  const deadline = Date.now() + DEPLOYMENT_TIMEOUT_MS;
  for (;;) {
    const row = await database.fixtures.ctx.db
      .selectFrom('deployments')
      .select(['status', 'failure_reason'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    if ((FINAL_STATUSES as readonly string[]).includes(row.status))
      return { status: row.status, failureReason: row.failure_reason };
    if (Date.now() > deadline) return { status: 'timed out in the bench', failureReason: null };
    await sleep(100);
  }
}

/** Whether the stored log holds each of the script's lines 1..LINES exactly once. */
async function logComplete(id: number): Promise<boolean> {
  const seen = new Uint8Array(LINES + 1);
  let count = 0;
  for await (const chunk of chunksAfter(database.fixtures.ctx.db, id, 0)) {
    for (const line of chunk) {
      const n = Number(LINE_PATTERN.exec(line.text)?.[1] ?? 0);
      if (n < 1 || n > LINES) continue;
      if (seen[n]) return false;
      seen[n] = 1;
      count++;
    }
  }
  return count === LINES;
}

it('holds sustained load on two replicas', async () => {
  const authorization = (await bearerFor(database.fixtures, await adminSession(database.fixtures)))
    .authorization;
  const api = new LoadApi(authorization);
  const repo = makeRepo(path.join(root, 'repo'));
  const urlOf = (slot: number) => replicas[slot % 2]!.url;
  const otherUrlOf = (slot: number) => replicas[(slot + 1) % 2]!.url;
  const projects: number[] = [];
  for (let slot = 0; slot < RUNNERS; slot++) {
    const { runner, token } = await insertRunner(database.fixtures, { name: `load-${slot}` });
    const script = loadScript(LINES);
    projects.push((await api.createProject(urlOf(slot), `load-${slot}`, repo.url, runner.id, script)).id);
    runners.push(new RunnerProcess(urlOf(slot), token, path.join(root, `work-${slot}`)));
  }
  await Promise.all(runners.map((r) => r.waitFor('connected to')));

  // A warm-up deployment per runner (first clone), not counted.
  await Promise.all(
    projects.map(async (project, slot) => {
      const id = await api.deploy(urlOf(slot), project, repo.sha, `warm-${slot}`);
      await finalStatus(id);
    }),
  );
  const rssAtStart = replicas.map((r) => rssOf(r.pid));
  const memoryAtStart = await Promise.all(replicas.map((r) => memoryBreakdown(r.url)));

  const cpuAtStart = replicas.map((r) => cpuSecondsOf(r.pid));
  const started = Date.now();
  const end = started + SECONDS * 1000;
  const finished: Finished[] = [];
  const delays: number[] = [];
  const followers: Promise<void>[] = [];
  let followerErrors = 0;
  let intakeErrors = 0;
  let latest = 0;
  const slotLoop = async (slot: number) => {
    for (let round = 0; Date.now() < end; round++) {
      let id: number;
      try {
        id = await api.deploy(urlOf(round), projects[slot]!, repo.sha, `load-${slot}-${round}`);
      } catch {
        intakeErrors++;
        await sleep(1_000);
        continue;
      }
      latest = Math.max(latest, id);
      if (slot < FOLLOWED_SLOTS) {
        const url = `${otherUrlOf(slot)}/api/v1/deployments/${id}/events`;
        followers.push(followLog(url, authorization, delays).catch(() => void followerErrors++));
      }
      finished.push({ id, slot, ...(await finalStatus(id)) });
    }
  };

  // API reads: one every 1000/API_READS_PER_SECOND ms, not waiting for the previous, alternating replicas.
  const reads: { status: number; ms: number; route: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  const routes: [string, () => string][] = [
    ['deployments', () => '/api/v1/deployments?per_page=20'],
    ['project deployments', () => `/api/v1/deployments?project_id=${projects[latest % RUNNERS]}&per_page=20`],
    ['deployment', () => `/api/v1/deployments/${latest}`],
    ['environments', () => `/api/v1/projects/${projects[latest % RUNNERS]}/environments`],
    ['dashboard', () => '/api/v1/dashboard'],
  ];
  let readCount = 0;
  const reader = setInterval(() => {
    if (latest === 0) return;
    const n = readCount++;
    const [route, url] = routes[n % routes.length]!;
    const read = api
      .timedGet(replicas[n % 2]!.url, url())
      .then((result) => void reads.push({ ...result, route }))
      .finally(() => inFlight.delete(read));
    inFlight.add(read);
  }, 1000 / API_READS_PER_SECOND);
  const peakRss = [0, 0];
  const sampler = setInterval(() => {
    replicas.forEach((r, i) => (peakRss[i] = Math.max(peakRss[i]!, rssOf(r.pid))));
  }, 500);

  await Promise.all(Array.from({ length: RUNNERS }, (_, slot) => slotLoop(slot)));
  const loadSeconds = (Date.now() - started) / 1000;
  clearInterval(reader);
  await Promise.all(inFlight);
  await Promise.all(followers);
  clearInterval(sampler);
  const rssAtEnd = replicas.map((r) => rssOf(r.pid));
  const cpuUsed = replicas.reduce((sum, r, i) => sum + cpuSecondsOf(r.pid) - cpuAtStart[i]!, 0);
  const loadEnded = Date.now();
  const idle: { seconds: number; rss: number[] }[] = [];
  for (const seconds of IDLE_SAMPLES_S) {
    await sleep(loadEnded + seconds * 1000 - Date.now());
    idle.push({ seconds, rss: replicas.map((r) => rssOf(r.pid)) });
  }
  const memory = await Promise.all(replicas.map((r) => memoryBreakdown(r.url)));
  const snapshotDir = process.env.BENCH_HEAP_SNAPSHOT_DIR;
  if (snapshotDir) await heapSnapshot(replicas[0]!.pid, snapshotDir);

  const succeeded = finished.filter((f) => f.status === 'succeeded');
  // Four logs read at a time, so a 5-minute run's few thousand logs do not sit in memory at once.
  let complete = 0;
  const toCheck = succeeded.map((f) => f.id);
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      for (let id = toCheck.pop(); id !== undefined; id = toCheck.pop())
        if (await logComplete(id)) complete++;
    }),
  );
  const others = finished.filter((f) => f.status !== 'succeeded');
  const troubles = runners.flatMap((r) => r.troubles());
  const fivexx = reads.filter((r) => r.status >= 500).length;
  const failedReads = reads.filter((r) => r.status === 0 || (r.status >= 300 && r.status < 500)).length;
  const ms = reads.map((r) => r.ms);
  const [p50, p95, p99] = [0.5, 0.95, 0.99].map((f) => percentile(ms, f)) as [number, number, number];
  const [d50, d95] = [0.5, 0.95].map((f) => percentile(delays, f)) as [number, number];
  const perMinute = finished.length / (loadSeconds / 60);
  const reasons = [...new Set(others.map((f) => `${f.status}/${f.failureReason ?? '-'}`))].join(', ');

  const rows = [
    '',
    `Polytene sustained load (2 replicas, ${RUNNERS} real runners, ${LINES}-line deployments back to back, ` +
      `${API_READS_PER_SECOND} API reads/s, ${FOLLOWED_SLOTS} live followers; ${loadSeconds.toFixed(0)} s)`,
    formatRow('deployments per minute', perMinute.toFixed(1), '(reported)', true),
    formatRow(
      'deployments succeeded / finished',
      `${succeeded.length} / ${finished.length}`,
      'all',
      others.length === 0 && finished.length > 0,
    ),
    ...(others.length ? [`    not succeeded: ${reasons}`] : []),
    formatRow(
      'server CPU per deployment (both replicas)',
      `${((cpuUsed * 1000) / Math.max(1, finished.length)).toFixed(0)} ms`,
      '(reported)',
      true,
    ),
    formatRow(
      'logs complete (every line once) / succeeded',
      `${complete} / ${succeeded.length}`,
      'all',
      complete === succeeded.length,
    ),
    formatRow(`API reads (${reads.length}) answered 5xx`, String(fivexx), '0', fivexx === 0),
    formatRow('API reads failed otherwise (4xx, timeout)', String(failedReads), '0', failedReads === 0),
    formatRow('API p50', `${p50.toFixed(1)} ms`, '(reported)', true),
    formatRow('API p95', `${p95.toFixed(1)} ms`, '(reported)', true),
    formatRow('API p99', `${p99.toFixed(1)} ms`, '< 200 ms', p99 < 200),
    '    p50 / p99 by route: ' +
      routes
        .map(([route]) => {
          const times = reads.filter((r) => r.route === route).map((r) => r.ms);
          return `${route} ${percentile(times, 0.5).toFixed(0)} / ${percentile(times, 0.99).toFixed(0)} ms`;
        })
        .join(', '),
    formatRow(
      `live log delay p50 (${delays.length} lines, other replica)`,
      `${d50.toFixed(0)} ms`,
      '< 300 ms',
      d50 < 300,
    ),
    formatRow('live log delay p95', `${d95.toFixed(0)} ms`, '(reported)', true),
    ...replicas.flatMap((_, i) => [
      formatRow(
        `replica ${i + 1} RSS peak`,
        `${mb(peakRss[i]!).toFixed(1)} MB`,
        '< 200 MB',
        mb(peakRss[i]!) < 200,
      ),
      formatRow(
        `replica ${i + 1} RSS at start / end of load`,
        `${mb(rssAtStart[i]!).toFixed(0)} / ${mb(rssAtEnd[i]!).toFixed(0)} MB`,
        '(reported)',
        true,
      ),
      ...idle.map(({ seconds, rss }) =>
        formatRow(
          `replica ${i + 1} RSS idle ${seconds} s after the load`,
          `${mb(rss[i]!).toFixed(1)} MB`,
          '< 150 MB',
          mb(rss[i]!) < 150,
        ),
      ),
      `    at start: ${memoryAtStart[i]}`,
      `    idle after the load: ${memory[i]}`,
    ]),
    formatRow('runner log lines: refused / 409 / lost', String(troubles.length), '0', troubles.length === 0),
    ...troubles.slice(0, 5).map((line) => `    ${line.slice(0, 160)}`),
    formatRow(
      'intake errors / live followers failed',
      `${intakeErrors} / ${followerErrors}`,
      '0 / 0',
      intakeErrors + followerErrors === 0,
    ),
    `  machine: ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)} ` +
      '(the bench, 2 servers, 8 runners and PostgreSQL share it with whatever else runs)',
    '',
  ];
  console.log(rows.join('\n'));
});
