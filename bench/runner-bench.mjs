// Runner figures (build first: npm run build).
// Usage: node bench/runner-bench.mjs [lines=1000000] [repoMB=50] [stallSeconds=20]
// Starts the real server (embedded PostgreSQL in a temp dir) and the real runner CLI (through a proxy that
// can stall its log uploads), then prints:
//  - a script printing N lines: bash alone into a file vs. the same script as a deployment
//  - the same with the server refusing log uploads (503 after 1 s) for the first stallSeconds: the script's
//    time, every line stored, and the runner's peak RSS (target: at most 100 MB, see RSS_TARGET_MB)
//  - claim (deployment started_at) to the script's first line, with a warm cached clone of a big repository
//  - the runner's RSS idle and while streaming
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const LINES = Number(process.argv[2] ?? 1_000_000);
const REPO_MB = Number(process.argv[3] ?? 50);
const STALL_SECONDS = Number(process.argv[4] ?? 20);
const RSS_TARGET_MB = 100;
const root = mkdtempSync(path.join(os.tmpdir(), 'polytene-runner-bench-'));
// Run as root, embedded PostgreSQL runs initdb as another user, which must be able to reach the data dir.
chmodSync(root, 0o755);
const children = [];

function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function launch(command, args, env, readyText) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes(readyText)) {
        clearInterval(timer);
        resolve(child);
      }
    }, 50);
    child.on('exit', (code) => reject(new Error(`${command} exited ${code}:\n${output}`)));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/**
 * A reverse proxy in front of the server for the runner. While `stalled`, log uploads are answered 503
 * after a second (a server slow and then away); everything else goes through.
 */
function startProxy(target) {
  const state = { stalled: false, refused: 0 };
  const agent = new http.Agent({ keepAlive: true });
  const proxy = http.createServer((req, res) => {
    if (state.stalled && req.method === 'POST' && req.url.endsWith('/log')) {
      state.refused++;
      req.resume();
      setTimeout(() => {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'stalled by the bench' } }));
      }, 1_000);
      return;
    }
    const upstream = http.request(
      new URL(req.url, target),
      { method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    proxy.listen(0, '127.0.0.1', () => {
      proxy.unref();
      resolve({ url: `http://127.0.0.1:${proxy.address().port}`, state });
    }),
  );
}

/** Samples the runner's RSS every 100 ms until stopped; answers the peak. */
function rssSampler(pid) {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

async function scriptTime(api, id) {
  const last = (await api('GET', `/api/v1/deployments/${id}`)).last_log_n;
  const tail = await api('GET', `/api/v1/deployments/${id}/log?after=${last - 5}`);
  return {
    last,
    scriptMs: Number(tail.lines.map((l) => /^script-ms (\d+)/.exec(l.text)?.[1]).find(Boolean)),
    lastLine: tail.lines.some((l) => l.text === `line ${LINES} of the benchmark output`),
  };
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function main() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await launch(
    process.execPath,
    ['packages/server/dist/main.js'],
    {
      POLYTENE_DATA_DIR: path.join(root, 'data'),
      POLYTENE_PORT: String(port),
      POLYTENE_LOCAL_RUNNER: 'false',
      POLYTENE_LOG_LEVEL: 'warn',
      POLYTENE_DATABASE_URL: '',
    },
    'Polytene is running',
  );
  const api = await adminApi(url);
  const proxy = await startProxy(url);
  const runnerRow = await api('POST', '/api/v1/runners', { name: 'bench' });
  const runner = await launch(
    process.execPath,
    [
      'packages/runner/dist/polytene-runner.mjs',
      'start',
      '--url',
      proxy.url,
      '--token',
      runnerRow.token,
      '--work-dir',
      path.join(root, 'work'),
    ],
    {},
    'connected to',
  );
  await sleep(2_000);
  const idleRss = rssMb(runner.pid);

  // 1. N lines: bash alone vs. under the runner.
  const repo = makeRepo(path.join(root, 'small'), 0);
  const body = `set +x\nfor i in $(seq 1 ${LINES}); do echo "line $i of the benchmark output"; done`;
  // bash alone: the median of three runs (one run varies by a second on a busy 2-core machine).
  const bashRuns = [];
  for (let i = 0; i < 3; i++) {
    const bashStart = process.hrtime.bigint();
    execFileSync('bash', ['-c', `${body} > ${path.join(root, 'out.txt')}`]);
    bashRuns.push(Number(process.hrtime.bigint() - bashStart) / 1e6);
  }
  const bashMs = [...bashRuns].sort((a, b) => a - b)[1];
  const timed = `t0=$(date +%s%N)\n${body}\necho "script-ms $(( ($(date +%s%N) - t0) / 1000000 ))"`;
  const project = await createProject(api, repo.url, runnerRow.id, timed);
  await deploy(api, project.id, repo.sha); // warm the clone so the figure is about the output
  let stopSampler = rssSampler(runner.pid);
  const started = Date.now();
  const id = await deploy(api, project.id, repo.sha);
  const endToEndMs = Date.now() - started;
  const peakRss = stopSampler();
  const { last, scriptMs } = await scriptTime(api, id);

  // 1b. The same with log uploads refused for the first STALL_SECONDS.
  proxy.state.stalled = true;
  const unstall = setTimeout(() => (proxy.state.stalled = false), STALL_SECONDS * 1000);
  stopSampler = rssSampler(runner.pid);
  const stalledStart = Date.now();
  const stalledId = await deploy(api, project.id, repo.sha);
  const stalledEndMs = Date.now() - stalledStart;
  const stalledPeakRss = stopSampler();
  clearTimeout(unstall);
  proxy.state.stalled = false;
  const stalled = await scriptTime(api, stalledId);

  // 2. claim to first line with a warm clone of a big repository.
  const big = makeRepo(path.join(root, 'big'), REPO_MB);
  const bigProject = await createProject(api, big.url, runnerRow.id, 'echo first-line');
  const cold = await claimToFirstLine(api, bigProject.id, big.sha);
  const warm = [];
  for (let i = 0; i < 5; i++) warm.push(await claimToFirstLine(api, bigProject.id, big.sha));
  const next = commitSmallChange(big);
  const warmFetch = await claimToFirstLine(api, bigProject.id, next);

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`runner bench (${os.cpus().length} cores, node ${process.version})`);
  console.log(
    `  ${LINES} lines, bash alone into a file:      ${bashMs.toFixed(0)} ms (median of ${bashRuns.map((ms) => ms.toFixed(0)).join(', ')})`,
  );
  console.log(
    `  same script under the runner (script time): ${scriptMs} ms  (${(scriptMs / bashMs).toFixed(2)}x)`,
  );
  console.log(
    `  deploy request to succeeded, all lines stored: ${endToEndMs} ms  (${(endToEndMs / bashMs).toFixed(2)}x)`,
  );
  const verdict = (mb) => (mb <= RSS_TARGET_MB ? 'ok' : 'OVER');
  console.log(
    `  runner peak RSS, ${LINES} lines: ${peakRss.toFixed(1)} MB (target <= ${RSS_TARGET_MB} MB: ${verdict(peakRss)})`,
  );
  console.log(
    `  log uploads refused for ${STALL_SECONDS} s (${proxy.state.refused} refused): script ${stalled.scriptMs} ms (${(stalled.scriptMs / bashMs).toFixed(2)}x), ` +
      `deploy to succeeded ${stalledEndMs} ms, lines stored ${stalled.last} of ${last}` +
      `${stalled.last === last && stalled.lastLine ? ' (all, last line present)' : ' (LINES MISSING)'}`,
  );
  console.log(
    `  runner peak RSS, server stalled: ${stalledPeakRss.toFixed(1)} MB (target <= ${RSS_TARGET_MB} MB: ${verdict(stalledPeakRss)})`,
  );
  console.log(
    `  claim to first line, ${REPO_MB} MB repo: cold clone ${cold} ms, warm median ${median(warm)} ms (${warm.join(', ')}), warm + fetch ${warmFetch} ms`,
  );
  console.log(`  runner RSS: idle ${idleRss.toFixed(1)} MB, peak while streaming ${peakRss.toFixed(1)} MB`);
}

async function adminApi(url) {
  const json = { 'content-type': 'application/json' };
  const login = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ login: 'admin', password: 'AlaMaKota2!' }),
  });
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const headers = { ...json, cookie, 'x-csrf-token': (await login.json()).csrf_token };
  await fetch(`${url}/api/v1/user/password`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ current_password: 'AlaMaKota2!', new_password: 'Bench-Passw0rd!' }),
  });
  const { token } = await (
    await fetch(`${url}/api/v1/user/tokens`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'bench' }),
    })
  ).json();
  return async (method, route, body) => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? json : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

function makeRepo(dir, megabytes) {
  mkdirSync(dir, { recursive: true });
  const git = (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'bench@example.test');
  git('config', 'user.name', 'Bench');
  writeFileSync(path.join(dir, 'README'), 'bench\n');
  for (let i = 0; i < megabytes; i++)
    writeFileSync(path.join(dir, `blob-${i}.bin`), randomBytes(1024 * 1024));
  git('add', '-A');
  git('commit', '-q', '-m', 'bench');
  return { dir, url: `file://${dir}`, sha: git('rev-parse', 'HEAD'), git };
}

function commitSmallChange(repo) {
  writeFileSync(path.join(repo.dir, 'README'), `bench ${Date.now()}\n`);
  repo.git('commit', '-qam', 'small change');
  return repo.git('rev-parse', 'HEAD');
}

async function createProject(api, cloneUrl, runnerId, script) {
  const project = await api('POST', '/api/v1/projects', {
    name: `bench-${randomBytes(3).toString('hex')}`,
    clone_url: cloneUrl,
    runner_id: runnerId,
  });
  await api('POST', `/api/v1/projects/${project.id}/branches`, {
    branch_name: 'main',
    deployment_type: 'manual',
    deployment_script: script,
  });
  return project;
}

async function deploy(api, projectId, sha) {
  const intake = await api('POST', `/api/v1/projects/${projectId}/builds`, {
    ref: 'main',
    sha,
    status: 'success',
    external_id: randomBytes(6).toString('hex'),
  });
  const { id } = await api('POST', `/api/v1/builds/${intake.build.id}/deployments`, {});
  for (;;) {
    const state = await api('GET', `/api/v1/deployments/${id}`);
    if (['succeeded', 'failed', 'canceled'].includes(state.status)) {
      if (state.status !== 'succeeded') throw new Error(`deployment ${id} ${state.status}: ${state.message}`);
      return id;
    }
    await sleep(50);
  }
}

async function claimToFirstLine(api, projectId, sha) {
  const id = await deploy(api, projectId, sha);
  const state = await api('GET', `/api/v1/deployments/${id}`);
  const { lines } = await api('GET', `/api/v1/deployments/${id}/log`);
  const first = lines.find((l) => l.stream !== 'system');
  return Date.parse(first.t) - Date.parse(state.started_at);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const child of children.reverse()) {
      child.kill('SIGTERM');
      await new Promise((r) =>
        child.exitCode !== null || child.signalCode !== null ? r() : child.on('exit', r),
      );
    }
    rmSync(root, { recursive: true, force: true });
  });
