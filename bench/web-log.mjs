// Deployment page figures, against a real server (its own embedded PostgreSQL) and Debian chromium:
//  1. time for the page to show the last line of a finished 1,000,000-line log (target < 2 s), and the
//     page's JS heap with it open, read around and searched (target ≤ 50 MB: the browser holds windows);
//  2. time from a line posted by the runner to that line on screen (target p50 < 300 ms).
// Run after `npm run build`:  node bench/web-log.mjs [lines=1000000] [samples=30]
/* global document, location -- read inside page.evaluate / waitForFunction, in the browser */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { RUNNER_ROUTES, runnerPath } from '@polytene/protocol';

const LINES = Number(process.argv[2] ?? 1_000_000);
const SAMPLES = Number(process.argv[3] ?? 30);
const PASSWORD = 'Bench-Passw0rd!';

const freePort = () =>
  new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

async function startServer() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'polytene-bench-web-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['packages/server/dist/main.js'], {
    env: {
      ...process.env,
      POLYTENE_DATA_DIR: dataDir,
      POLYTENE_PORT: String(port),
      POLYTENE_DATABASE_URL: '',
      POLYTENE_LOCAL_RUNNER: 'false',
      POLYTENE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const deadline = Date.now() + 90_000;
  while (!output.includes('Polytene is running')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function call(url, method, route, token, body) {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function setUp(url) {
  const login = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: 'AlaMaKota2!' }),
  });
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const { csrf_token } = await login.json();
  const session = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf_token };
  await fetch(`${url}/api/v1/user/password`, {
    method: 'POST',
    headers: session,
    body: JSON.stringify({ current_password: 'AlaMaKota2!', new_password: PASSWORD }),
  });
  const { token } = await (
    await fetch(`${url}/api/v1/user/tokens`, {
      method: 'POST',
      headers: session,
      body: JSON.stringify({ name: 'bench' }),
    })
  ).json();
  const runner = await call(url, 'POST', '/api/v1/runners', token, { name: 'bench' });
  await call(url, RUNNER_ROUTES.hello.method, runnerPath('hello'), runner.token, {
    version: 'bench',
    hostname: 'bench',
    public_key: null,
    concurrency: 1,
  });
  const project = await call(url, 'POST', '/api/v1/projects', token, {
    name: 'bench',
    clone_url: 'git@example.com:bench/app.git',
    runner_id: runner.id,
  });
  await call(url, 'POST', `/api/v1/projects/${project.id}/branches`, token, { branch_name: 'main' });
  return { token, runnerToken: runner.token, projectId: project.id };
}

let build = 0;
async function runningJob(url, ctx) {
  const sha = (++build).toString(16).padStart(40, '0');
  const intake = await call(url, 'POST', `/api/v1/projects/${ctx.projectId}/builds`, ctx.token, {
    ref: 'main',
    sha,
    status: 'success',
    external_id: `bench-${build}`,
  });
  await call(url, 'POST', `/api/v1/builds/${intake.build.id}/deployments`, ctx.token, {});
  for (;;) {
    const res = await fetch(url + runnerPath('requestJob'), {
      method: RUNNER_ROUTES.requestJob.method,
      headers: { authorization: `Bearer ${ctx.runnerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ wait_ms: 2000 }),
    });
    if (res.status === 201) {
      const job = await res.json();
      await call(url, RUNNER_ROUTES.updateJob.method, runnerPath('updateJob', job), job.token, {
        status: 'running',
      });
      return job;
    }
  }
}

const mb = (bytes) => (bytes / 1048576).toFixed(1);

/** The page's used JS heap after a full garbage collection (what the page holds, not garbage yet). */
async function usedHeap(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize;
}

const line = (n, text) => ({
  n,
  stream: n % 17 === 0 ? 'stderr' : 'stdout',
  t: new Date().toISOString(),
  text,
});

async function main() {
  const server = await startServer();
  const browser = await chromium.launch({
    executablePath: process.env.POLYTENE_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const ctx = await setUp(server.url);
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Login').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    // 1. A finished log of LINES lines.
    const big = await runningJob(server.url, ctx);
    const started = Date.now();
    const BATCH = 5000;
    for (let from = 1; from <= LINES; from += BATCH) {
      const lines = [];
      for (let n = from; n < Math.min(from + BATCH, LINES + 1); n++)
        lines.push(
          line(
            n,
            n === LINES ? 'THE LAST LINE' : `\x1b[32m[build]\x1b[0m compiling module ${n} of ${LINES} … ok`,
          ),
        );
      await call(server.url, RUNNER_ROUTES.sendLog.method, runnerPath('sendLog', big), big.token, { lines });
    }
    await call(server.url, RUNNER_ROUTES.updateJob.method, runnerPath('updateJob', big), big.token, {
      status: 'succeeded',
      exit_code: 0,
    });
    console.log(`stored ${LINES} lines in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const t0 = Date.now();
    await page.goto(`${server.url}/deployments/${big.id}`);
    await page.locator('.log-row', { hasText: 'THE LAST LINE' }).waitFor({ timeout: 60_000 });
    const lastLineMs = Date.now() - t0;
    await page.waitForFunction(() => !document.body.textContent?.includes('loading earlier lines'), null, {
      timeout: 120_000,
    });
    const heapAtTail = await usedHeap(page);
    // Read around: a linked line in the middle, the top, a search whose hits span the log.
    const t1 = Date.now();
    await page.evaluate(() => (location.hash = '#L500000'));
    await page
      .locator('.log-row.log-current[data-n="500000"] .log-text', { hasText: 'module 500000' })
      .waitFor();
    const jumpMs = Date.now() - t1;
    await page.evaluate(() => (document.querySelector('[data-testid="log"]').scrollTop = 0));
    await page.locator('.log-row[data-n="1"] .log-text', { hasText: 'module 1 ' }).waitFor();
    const t2 = Date.now();
    await page.getByRole('searchbox').fill('THE LAST LINE');
    await page.locator(`.log-row.log-current[data-n="${LINES}"] mark`).waitFor({ timeout: 60_000 });
    const searchMs = Date.now() - t2;
    const heap = await usedHeap(page);
    await page.screenshot({ path: 'test-results/screenshots/bench-million-lines.png' });
    console.log(
      `last line of a finished ${LINES}-line log on screen after ${lastLineMs} ms (target < 2000 ms)`,
    );
    console.log(
      `jump to #L500000 shown after ${jumpMs} ms; search hit on the last line after ${searchMs} ms`,
    );
    console.log(
      `JS heap (after GC) with the ${LINES}-line log open: ${mb(heapAtTail)} MB at the tail, ${mb(heap)} MB after jump, top and search (target ≤ 50 MB)`,
    );

    // 2. Latency from a posted line to the screen, with the page open on a running deployment.
    const live = await runningJob(server.url, ctx);
    await page.goto(`${server.url}/deployments/${live.id}`);
    await page.getByTestId('deployment-status').getByText('running').waitFor();
    await page.waitForTimeout(500);
    const samples = [];
    for (let i = 1; i <= SAMPLES; i++) {
      const text = `latency probe ${i}`;
      const seen = page.waitForFunction(
        (wanted) =>
          [...document.querySelectorAll('.log-row .log-text')].some((e) => e.textContent === wanted),
        text,
        { polling: 'raf', timeout: 10_000 },
      );
      const sent = Date.now();
      await call(server.url, RUNNER_ROUTES.sendLog.method, runnerPath('sendLog', live), live.token, {
        lines: [line(i, text)],
      });
      await seen;
      samples.push(Date.now() - sent);
      await page.waitForTimeout(100);
    }
    await call(server.url, RUNNER_ROUTES.updateJob.method, runnerPath('updateJob', live), live.token, {
      status: 'succeeded',
      exit_code: 0,
    });
    samples.sort((a, b) => a - b);
    const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
    console.log(
      `line posted → on screen over ${SAMPLES} lines: p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${samples.at(-1)} ms (target p50 < 300 ms)`,
    );
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
