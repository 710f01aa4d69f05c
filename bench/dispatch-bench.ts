import os from 'node:os';
import { setMaxListeners } from 'node:events';
import { afterAll, beforeAll, it } from 'vitest';
import { RUNNER_ROUTES, runnerPath, type Job } from '@polytene/protocol';
import { openE2eDatabase, type E2eDatabase } from '../e2e/support/fixtures.js';
import type { ServerProcess } from '../e2e/support/server-process.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../packages/server/src/test-support/fixtures.js';
import type { BranchConfig, Deployment } from '../packages/server/src/db/schema.js';
import { publish } from '../packages/server/src/events/bus.js';
import { JOBS_TOPIC } from '../packages/server/src/deployments/transitions.js';
import { formatRow, percentile } from './stats.js';
import { scrape, sleep, startReplicas } from './replicas.js';

/**
 * Dispatch (architecture.md §5 "Dispatch", issue 12 item 6): 3 server replicas on one PostgreSQL,
 * idle shared runners long-polling spread over them (keep-alive HTTP), jobs queued one by one. Prints
 * queue-to-claim latency and, from the replicas' /metrics, database statements, claim transactions and
 * dispatch queries per job, for 100 and for 1,000 runners: per job they must not grow with runners.
 */
const REPLICAS = 3;
/** One runner first: the latency of the same path with nobody to choose from, for comparison. */
const RUNNER_COUNTS = [1, 100, 1_000];
/**
 * Jobs are queued until this long after the first long poll of a phase was sent, so that no poll
 * times out (30 s) and claims again meanwhile: what is counted is what the jobs cost.
 */
const WINDOW_MS = 28_000;
const JOBS = Number(process.env.BENCH_DISPATCH_JOBS ?? 100);
const PROJECTS = 10;
const P50_MS = 50;
const P95_MS = 200;

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

/** Queues a deployment of a new build of a project with no runner of its own, and announces it. */
async function queueShared(config: BranchConfig): Promise<Deployment> {
  const fixtures = database.fixtures;
  const build = await insertBuild(fixtures, { project_id: config.project_id, branch_config_id: config.id });
  const deployment = await insertQueuedDeployment(fixtures, build, config);
  await publish(fixtures.ctx.db, JOBS_TOPIC, { project_id: config.project_id });
  return deployment;
}

interface Claim {
  job: Job;
  at: number;
}

/** A runner that long-polls `url` until stopped and reports each job it gets as succeeded at once. */
async function runnerLoop(
  url: string,
  token: string,
  stop: AbortSignal,
  onClaim: (claim: Claim) => void,
  counts: { timeouts: number },
): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  while (!stop.aborted) {
    let res: Response;
    try {
      res = await fetch(url + RUNNER_ROUTES.requestJob.path, {
        method: RUNNER_ROUTES.requestJob.method,
        headers,
        body: JSON.stringify({ wait_ms: 30_000 }),
        signal: stop,
      });
    } catch {
      return; // stopped
    }
    if (res.status === 204) {
      counts.timeouts++;
      await res.arrayBuffer();
      continue;
    }
    if (res.status !== 201) throw new Error(`job request answered ${res.status}: ${await res.text()}`);
    const job = (await res.json()) as Job;
    onClaim({ job, at: performance.now() });
    const done = await fetch(url + runnerPath('updateJob', job), {
      method: RUNNER_ROUTES.updateJob.method,
      headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'succeeded', exit_code: 0 }),
    });
    await done.arrayBuffer();
  }
}

interface Phase {
  runners: number;
  latencies: number[];
  statementsPerJob: number;
  claimsPerJob: number;
  probesPerJob: number;
  timeouts: number;
  /** From the first long poll sent to every runner waiting. */
  rampMs: number;
}

async function phase(runnerCount: number, tokens: string[]): Promise<Phase> {
  const fixtures = database.fixtures;
  const configs: BranchConfig[] = [];
  for (let i = 0; i < PROJECTS; i++) {
    const { project } = await insertProject(fixtures);
    configs.push(await insertBranchConfig(fixtures, { project_id: project.id, deployment_script: 'true' }));
  }
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const rampStarted = performance.now();
  // Claims by job id, and the one the bench waits for (a claim may come before queueShared returns).
  const claims = new Map<number, Claim>();
  let expecting: { id: number; resolve: (claim: Claim) => void } | null = null;
  const onClaim = (claim: Claim) => {
    claims.set(claim.job.id, claim);
    if (expecting?.id === claim.job.id) expecting.resolve(claim);
  };
  const counts = { timeouts: 0 };
  const claimsBefore = await scrape(replicas, 'polytene_job_claims_total');
  const loops = tokens
    .slice(0, runnerCount)
    .map((token, i) => runnerLoop(replicas[i % REPLICAS]!.url, token, stop.signal, onClaim, counts));
  // Every runner is waiting once each has made its first claim.
  while ((await scrape(replicas, 'polytene_job_claims_total')) - claimsBefore < runnerCount) await sleep(100);
  const rampMs = performance.now() - rampStarted;
  await sleep(500);

  const before = {
    statements: await scrape(replicas, 'polytene_database_statements_total'),
    claims: await scrape(replicas, 'polytene_job_claims_total'),
    probes: await scrape(replicas, 'polytene_dispatch_probes_total'),
  };
  const latencies: number[] = [];
  let jobs = 0;
  for (; jobs < JOBS && performance.now() - rampStarted < WINDOW_MS; jobs++) {
    const i = jobs;
    const started = performance.now();
    const deployment = await queueShared(configs[i % PROJECTS]!);
    const answer = new Promise<Claim>((resolve) => {
      const early = claims.get(deployment.id);
      if (early) resolve(early);
      else expecting = { id: deployment.id, resolve };
    });
    const claim = await Promise.race([
      answer,
      sleep(10_000).then(() => {
        throw new Error(`job ${deployment.id} not claimed in 10 s`);
      }),
    ]);
    latencies.push(claim.at - started);
    expecting = null;
    // Let the runner report the end and wait again before the next job.
    await sleep(20);
  }
  await sleep(300);
  const after = {
    statements: await scrape(replicas, 'polytene_database_statements_total'),
    claims: await scrape(replicas, 'polytene_job_claims_total'),
    probes: await scrape(replicas, 'polytene_dispatch_probes_total'),
  };
  const timeouts = counts.timeouts;
  stop.abort();
  await Promise.all(loops);
  return {
    runners: runnerCount,
    latencies,
    statementsPerJob: (after.statements - before.statements) / jobs,
    claimsPerJob: (after.claims - before.claims) / jobs,
    probesPerJob: (after.probes - before.probes) / jobs,
    timeouts,
    rampMs,
  };
}

it('dispatches a job to one of many idle runners across replicas, at a cost that does not grow with them', async () => {
  const tokens: string[] = [];
  for (let i = 0; i < Math.max(...RUNNER_COUNTS); i++) {
    tokens.push((await insertRunner(database.fixtures, { shared: true })).token);
  }
  const phases: Phase[] = [];
  for (const count of RUNNER_COUNTS) phases.push(await phase(count, tokens));

  const rows = [
    '',
    `Polytene dispatch benchmark (${REPLICAS} server processes on one PostgreSQL, up to ${JOBS} jobs queued one by one, shared runners; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`,
  ];
  for (const p of phases) {
    rows.push(
      `  ${p.runners} runners: ${p.latencies.length} jobs, all waiting after ${(p.rampMs / 1000).toFixed(1)} s`,
    );
    const p50 = percentile(p.latencies, 0.5);
    const p95 = percentile(p.latencies, 0.95);
    rows.push(
      formatRow(
        `${p.runners} runners: queue-to-claim latency p50`,
        `${p50.toFixed(1)} ms`,
        `<= ${P50_MS} ms`,
        p50 <= P50_MS,
      ),
      formatRow(
        `${p.runners} runners: queue-to-claim latency p95`,
        `${p95.toFixed(1)} ms`,
        `<= ${P95_MS} ms`,
        p95 <= P95_MS,
      ),
      formatRow(
        `${p.runners} runners: database statements per job`,
        p.statementsPerJob.toFixed(1),
        '(reported)',
        true,
      ),
      formatRow(
        `${p.runners} runners: claim transactions per job`,
        p.claimsPerJob.toFixed(2),
        `<= ${REPLICAS * 2}`,
        p.claimsPerJob <= REPLICAS * 2,
      ),
      formatRow(
        `${p.runners} runners: dispatch queries per job`,
        p.probesPerJob.toFixed(2),
        '(reported)',
        true,
      ),
      formatRow(
        `${p.runners} runners: long polls that timed out meanwhile`,
        String(p.timeouts),
        '0',
        p.timeouts === 0,
      ),
    );
  }
  const [, few, many] = phases;
  const growth = many!.statementsPerJob / few!.statementsPerJob;
  rows.push(
    formatRow(
      `statements per job, ${many!.runners} vs ${few!.runners} runners`,
      `x ${growth.toFixed(2)}`,
      '<= x 1.25',
      growth <= 1.25,
    ),
  );
  console.log(rows.join('\n'));
});
