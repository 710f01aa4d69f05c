import { existsSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HelloResponse, Job, JobUpdate, LogLine } from '@polytene/protocol';
import { RunnerClient } from './client.js';
import { parseRunnerConfig } from './config.js';
import { JobRun } from './job.js';
import type { Logger } from './logger.js';
import { Workspaces } from './workspace.js';
import { TestRepo, tempDir } from './test-support/repo.js';

const repo = new TestRepo('polytene-job-spool-repo-');
const workDir = tempDir('polytene-job-spool-work-');
const LINES = 100_000;
const MEMORY = 256 * 1024;

/**
 * A real HTTP server for one job's log and status calls. While `away`, every call but the first `running`
 * report fails: a 503, or a request held until the runner gives up on it (a stalled server). Then it stores
 * lines by number as the real one does (a re-sent line adds nothing), and now and then drops its answer
 * after storing, so the runner re-sends lines the server already has.
 */
class StallingServer {
  away = true;
  readonly lines = new Map<number, LogLine>();
  readonly finals: JobUpdate[] = [];
  received = 0;
  refusedWhileAway = 0;
  private calls = 0;
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const isLog = req.url?.endsWith('/log') ?? false;
    const call = ++this.calls;
    if (this.away && (isLog || call > 1)) {
      this.refusedWhileAway++;
      if (call % 2 === 0) return void req.socket.setTimeout(0); // held: the runner's attempt times out
      return this.json(res, 503, { error: { code: 'UNAVAILABLE', message: 'down for maintenance' } });
    }
    if (isLog) {
      const { lines } = body as { lines: LogLine[] };
      this.received += lines.length;
      for (const line of lines) if (!this.lines.has(line.n)) this.lines.set(line.n, line);
      if (call % 7 === 0) return void req.socket.destroy(); // stored, but the answer is lost
      return this.json(res, 200, { last_n: this.lastN(), status: 'running' });
    }
    const update = body as JobUpdate;
    if (update.status !== 'running') this.finals.push(update);
    this.json(res, 200, { status: update.status, last_n: this.lastN() });
  }

  private lastN(): number {
    let n = 0;
    while (this.lines.has(n + 1)) n++;
    return n;
  }

  private json(res: http.ServerResponse, status: number, value: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  }
}

const server = new StallingServer();
let url = '';
beforeAll(async () => {
  url = await server.listen();
});
afterAll(async () => {
  await server.close();
  repo.remove();
  rmSync(workDir, { recursive: true, force: true });
});

const SETTINGS: HelloResponse = {
  runner_id: 1,
  name: 'unit',
  lease_seconds: 3,
  log_flush_ms: 100,
  max_log_batch_lines: 5000,
  max_log_line_chars: 16_384,
};

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function waitFor(done: () => boolean, ms: number): Promise<void> {
  for (const start = Date.now(); !done(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() - start > ms) throw new Error(`not done within ${ms} ms`);
  }
}

describe('a job while the server is away', () => {
  it('spools the output beyond its memory cap and, once the server is back, delivers every line once in order', async () => {
    const sha = repo.commit({ 'app.txt': 'spool\n' });
    const printed = path.join(workDir, 'printed');
    const job: Job = {
      id: 42,
      token: 'pjt_unit',
      project: { id: 3, name: 'app', clone_url: repo.url },
      build: { id: 5, ref: 'main', sha, external_id: null },
      branch: 'main',
      environment: 'production',
      artifacts_dir: 'polytene',
      script: `set +x\nfor i in $(seq 1 ${LINES}); do echo "line $i"; done\ntouch '${printed}'`,
      timeout_seconds: 120,
      variables: [],
    };
    const config = parseRunnerConfig({ url, token: 'prt_unit', workDir, logMemoryBytes: MEMORY });
    const run = new JobRun(
      {
        client: new RunnerClient(url, 'prt_unit', 500),
        config,
        settings: SETTINGS,
        workspaces: new Workspaces(workDir, undefined),
        logger: quiet,
      },
      job,
    );
    let sampledPeak = 0;
    const sampler = setInterval(() => {
      sampledPeak = Math.max(sampledPeak, run.logBuffer.bufferedBytes);
    }, 5);
    const done = run.run();
    // The whole output is printed while the server is away: the script is not held by the runner.
    await waitFor(() => existsSync(printed), 60_000);
    expect(server.lines.size).toBe(0);
    expect(readdirSync(path.join(workDir, 'spool'))).toEqual(['deployment-42.log']);
    server.away = false;
    await done;
    clearInterval(sampler);

    expect(server.refusedWhileAway).toBeGreaterThan(0);
    expect(server.finals).toEqual([{ status: 'succeeded', exit_code: 0 }]);
    const numbers = [...server.lines.keys()].sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
    const output = [...server.lines.values()]
      .sort((a, b) => a.n - b.n)
      .filter((l) => l.stream === 'stdout' && l.text.startsWith('line '))
      .map((l) => l.text);
    expect(output).toEqual(Array.from({ length: LINES }, (_, i) => `line ${i + 1}`));
    expect(server.received).toBeGreaterThan(server.lines.size); // some batches were re-sent
    expect(run.logBuffer.spooledLines).toBeGreaterThan(LINES / 2);
    expect(run.logBuffer.peakBufferedBytes).toBeLessThanOrEqual(MEMORY);
    expect(sampledPeak).toBeLessThanOrEqual(MEMORY);
    expect(readdirSync(path.join(workDir, 'spool'))).toEqual([]);
  });
});
