import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LogLine } from '@polytene/protocol';
import { RUNNER_CLI } from '../e2e/runner-harness.js';
import { SseReader } from '../e2e/support/sse.js';

/** Pieces of the sustained-load bench (load-bench.ts): the REST client, real runners, live log followers. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const mb = (bytes: number) => bytes / 1024 / 1024;

/** Resident memory of a process in bytes, from /proc (0 once it is gone). */
export function rssOf(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return kb * 1024;
  } catch {
    return 0;
  }
}

/** The REST API with a personal API token, on any replica; every call is bounded. */
export class LoadApi {
  constructor(private readonly authorization: string) {}

  async call<T>(base: string, method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(base + route, {
      method,
      headers: {
        authorization: this.authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${route} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** One timed GET: its status (0 for a network error or timeout) and milliseconds. */
  async timedGet(base: string, route: string): Promise<{ status: number; ms: number }> {
    const started = performance.now();
    try {
      const res = await fetch(base + route, {
        headers: { authorization: this.authorization },
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      return { status: res.status, ms: performance.now() - started };
    } catch {
      return { status: 0, ms: performance.now() - started };
    }
  }

  /** A project on `runnerId` with a manual branch config for main running `script`. */
  async createProject(base: string, name: string, cloneUrl: string, runnerId: number, script: string) {
    const project = await this.call<{ id: number }>(base, 'POST', '/api/v1/projects', {
      name,
      clone_url: cloneUrl,
      runner_id: runnerId,
    });
    await this.call(base, 'POST', `/api/v1/projects/${project.id}/branches`, {
      branch_name: 'main',
      deployment_type: 'manual',
      deployment_script: script,
    });
    return project;
  }

  /** Reports a successful build of `sha` and deploys it, as a CI job would; answers the deployment id. */
  async deploy(base: string, projectId: number, sha: string, externalId: string): Promise<number> {
    const intake = await this.call<{ build: { id: number } }>(
      base,
      'POST',
      `/api/v1/projects/${projectId}/builds`,
      { ref: 'main', sha, status: 'success', external_id: externalId },
    );
    const deployment = await this.call<{ id: number }>(
      base,
      'POST',
      `/api/v1/builds/${intake.build.id}/deployments`,
      {},
    );
    return deployment.id;
  }
}

/** A one-commit git repository to deploy (the runner clones it over file://). */
export function makeRepo(dir: string): { url: string; sha: string } {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'bench@example.test');
  git('config', 'user.name', 'Bench');
  writeFileSync(path.join(dir, 'README'), 'load bench\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'load bench');
  return { url: `file://${dir}`, sha: git('rev-parse', 'HEAD') };
}

/** The line the bench's script prints: its number and bash's clock when it was printed. */
export const LINE_PATTERN = /^load line (\d+) at (\d+)\.(\d+)$/;
export function loadScript(lines: number): string {
  return `set +x\nfor ((i = 1; i <= ${lines}; i++)); do echo "load line $i at $EPOCHREALTIME"; done`;
}

/** The real runner CLI (`polytene-runner start`) in the foreground with its own work dir. */
export class RunnerProcess {
  output = '';
  private readonly child: ChildProcess;
  readonly exited: Promise<void>;

  constructor(url: string, token: string, workDir: string) {
    this.child = spawn(
      process.execPath,
      [RUNNER_CLI, 'start', '--url', url, '--token', token, '--work-dir', workDir],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk: Buffer) => (this.output += chunk.toString());
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.child.pid!;
  }

  async waitFor(text: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (this.child.exitCode !== null) throw new Error(`runner exited:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`runner printed no "${text}":\n${this.output}`);
      await sleep(100);
    }
  }

  /** Lines of its output telling of a refused call, a 409 answer or a job lost (not "deployment 409", an id). */
  troubles(): string[] {
    return this.output
      .split('\n')
      .filter((line) => /refused|(?<!deployment )\b409\b|\(lost\)|\blost\b/i.test(line));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(killer);
    }
  }
}

/**
 * Follows one deployment's log over SSE (opened before the runner claims it) and adds, for each line
 * received, the milliseconds between the script printing it and this process receiving it.
 */
export async function followLog(url: string, authorization: string, delays: number[]): Promise<void> {
  const stream = await SseReader.open(url, { authorization });
  try {
    for (;;) {
      const event = await stream.next(60_000);
      if (!event) return;
      if (event.event !== 'log') continue;
      const now = Date.now();
      for (const line of (JSON.parse(event.data) as { lines: LogLine[] }).lines) {
        const match = LINE_PATTERN.exec(line.text);
        if (match) delays.push(now - (Number(match[2]) * 1000 + Number(match[3]!.slice(0, 3))));
      }
    }
  } finally {
    stream.close();
  }
}

/** What the process says of its memory on /metrics (prom-client's default metrics), in MB. */
export async function memoryBreakdown(base: string): Promise<string> {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const space = (name: string) =>
    Number(
      new RegExp(`^nodejs_heap_space_size_total_bytes\\{space="${name}"\\} (\\S+)$`, 'm').exec(text)?.[1] ??
        NaN,
    );
  const f = (bytes: number) => mb(bytes).toFixed(0);
  return (
    `heap used ${f(value('nodejs_heap_size_used_bytes'))} of ${f(value('nodejs_heap_size_total_bytes'))} ` +
    `(new ${f(space('new'))}, old ${f(space('old'))}, code ${f(space('code'))}), ` +
    `external ${f(value('nodejs_external_memory_bytes'))} MB`
  );
}

/**
 * With BENCH_HEAP_SNAPSHOT_DIR set (and the servers started with `--heapsnapshot-signal=SIGUSR2
 * --diagnostic-dir=<dir>`), asks a server for a heap snapshot and waits for it to be written.
 */
export async function heapSnapshot(pid: number, dir: string): Promise<void> {
  const { readdirSync, statSync } = await import('node:fs');
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    await sleep(1_000);
    const made = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (made && statSync(path.join(dir, made)).size > 0) {
      await sleep(3_000);
      return;
    }
  }
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 1/100 s). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
