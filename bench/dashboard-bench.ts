import { afterAll, beforeAll, it } from 'vitest';
import { sql } from 'kysely';
import type { DashboardView, ListEvent } from '@polytene/protocol';
import { openE2eDatabase, type E2eDatabase } from '../e2e/support/fixtures.js';
import { startServerProcess, type ServerProcess } from '../e2e/support/server-process.js';
import { SseReader } from '../e2e/support/sse.js';
import {
  insertBranchConfig,
  insertProject,
  randomSha,
} from '../packages/server/src/test-support/fixtures.js';
import { insertUser, TEST_PASSWORD } from '../packages/server/src/test-support/server.js';
import { signBody } from '../packages/server/src/intake/generic/signature.js';
import { formatRow, percentile } from './stats.js';

/**
 * Issue 10 item 8 on a real server process: the dashboard's load time with 50 projects × 4 environments
 * and 10,000 deployments, and how long a build recorded through the intake takes to be visible on an
 * open dashboard (its event on GET /api/v1/events, the web's refetch delay, then the dashboard's answer
 * showing it), each printed beside its target.
 */
const PROJECTS = 50;
const ENVIRONMENTS = ['qa', 'staging', 'production', 'canary'];
const DEPLOYMENTS = 10_000;
const LOADS = 20;
const BUILDS = 30;
/** packages/web/src/api/events.ts REFETCH_DELAY_MS: the web waits this long after an event for more. */
const WEB_REFETCH_DELAY_MS = 150;
const LOAD_TARGET_MS = 1_000;
const VISIBLE_P50_TARGET_MS = 500;

let database: E2eDatabase;
let server: ServerProcess;
let cookie: string;
beforeAll(async () => {
  database = await openE2eDatabase();
  server = await startServerProcess(database.url);
  await insertUser(database.fixtures, { login: 'boss', role: 'admin' });
  const login = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'boss', password: TEST_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`login answered ${login.status}`);
  cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
});
afterAll(async () => {
  await server?.stop();
  await database?.close();
});

/** 50 projects × 4 environments (one branch each), 50 finished deployments in each environment. */
async function seed(): Promise<void> {
  const { db } = database.fixtures.ctx;
  const perEnvironment = DEPLOYMENTS / (PROJECTS * ENVIRONMENTS.length);
  for (let p = 0; p < PROJECTS; p++) {
    const { project } = await insertProject(database.fixtures, { name: `app-${String(p).padStart(2, '0')}` });
    for (const environment of ENVIRONMENTS) {
      const config = await insertBranchConfig(database.fixtures, {
        project_id: project.id,
        branch_name: environment === 'production' ? 'main' : environment,
        environment,
      });
      await sql`
        WITH b AS (
          INSERT INTO builds (project_id, branch_config_id, source, status, ref, sha)
          SELECT ${project.id}, ${config.id}, 'api', 'success', ${config.branch_name},
                 md5(random()::text) || substr(md5(random()::text), 1, 8)
          FROM generate_series(1, ${perEnvironment}) RETURNING id)
        INSERT INTO deployments (build_id, project_id, branch_config_id, environment_id, trigger, branch_name,
                                 script, artifacts_dir, timeout_seconds, status, failure_reason,
                                 queued_at, started_at, finished_at)
        SELECT b.id, ${project.id}, ${config.id}, ${config.environment_id}, 'auto', ${config.branch_name},
               'echo deploy', '/tmp', 600,
               CASE WHEN b.id % 7 = 0 THEN 'failed' ELSE 'succeeded' END,
               CASE WHEN b.id % 7 = 0 THEN 'script_failure' END,
               now() - make_interval(mins => b.id::int), now() - make_interval(mins => b.id::int),
               now() - make_interval(mins => b.id::int) + interval '30 seconds'
        FROM b`.execute(db);
    }
  }
  await sql`ANALYZE`.execute(db);
}

async function loadDashboard(): Promise<{ ms: number; view: DashboardView }> {
  const started = performance.now();
  const res = await fetch(`${server.url}/api/v1/dashboard`, { headers: { cookie } });
  const view = (await res.json()) as DashboardView;
  if (res.status !== 200) throw new Error(`dashboard answered ${res.status}`);
  return { ms: performance.now() - started, view };
}

it('prints the dashboard load time and the build → open dashboard latency', async () => {
  await seed();
  const loads: number[] = [];
  let cells = 0;
  for (let i = 0; i < LOADS; i++) {
    const { ms, view } = await loadDashboard();
    loads.push(ms);
    cells = view.projects.reduce((sum, p) => sum + p.environments.length, 0);
  }

  const { project, webhookSecret } = await insertProject(database.fixtures, { name: 'live' });
  await insertBranchConfig(database.fixtures, { project_id: project.id, deployment_type: 'auto' });
  const stream = await SseReader.open(`${server.url}/api/v1/events`, { cookie });
  const visible: number[] = [];
  try {
    for (let i = 0; i < BUILDS; i++) {
      const body = JSON.stringify({
        ref: 'main',
        sha: randomSha(),
        status: 'success',
        external_id: `b-${i}`,
      });
      const started = performance.now();
      const res = await fetch(`${server.url}/api/v1/projects/${project.id}/builds`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-polytene-signature': signBody(webhookSecret, body),
        },
        body,
      });
      const buildId = ((await res.json()) as { build: { id: number } }).build.id;
      for (;;) {
        const event = await stream.next(10_000);
        if (!event) throw new Error('the event stream ended');
        const data = event.event === 'change' ? (JSON.parse(event.data) as ListEvent) : null;
        if (data?.kind === 'deployment' && data.build_id === buildId) break;
      }
      await new Promise((resolve) => setTimeout(resolve, WEB_REFETCH_DELAY_MS));
      const { view } = await loadDashboard();
      const cell = view.projects.find((p) => p.id === project.id)?.environments[0];
      if (cell?.next?.build.id !== buildId) throw new Error(`build ${buildId} is not on the dashboard`);
      visible.push(performance.now() - started);
    }
  } finally {
    stream.close();
  }

  const ms = (value: number) => `${value.toFixed(0)} ms`;
  const loadP50 = percentile(loads, 0.5);
  const loadP95 = percentile(loads, 0.95);
  const visibleP50 = percentile(visible, 0.5);
  const visibleP95 = percentile(visible, 0.95);
  console.log(
    `\nDashboard (${PROJECTS} projects × ${ENVIRONMENTS.length} environments = ${cells} cells, ${DEPLOYMENTS} deployments)`,
  );
  console.log(
    formatRow(
      `dashboard load p50 (${LOADS} loads)`,
      ms(loadP50),
      `< ${LOAD_TARGET_MS} ms`,
      loadP50 < LOAD_TARGET_MS,
    ),
  );
  console.log(
    formatRow(`dashboard load p95`, ms(loadP95), `< ${LOAD_TARGET_MS} ms`, loadP95 < LOAD_TARGET_MS),
  );
  console.log(
    formatRow(
      `build intake → on open dashboard p50 (${BUILDS} builds)`,
      ms(visibleP50),
      `< ${VISIBLE_P50_TARGET_MS} ms`,
      visibleP50 < VISIBLE_P50_TARGET_MS,
    ),
  );
  console.log(formatRow(`build intake → on open dashboard p95`, ms(visibleP95), '(p95 shown)', true));
});
