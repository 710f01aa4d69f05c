import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  JOB_FINISHED_ERROR,
  type HelloResponse,
  type Job,
  type JobUpdate,
  type JobUpdateResponse,
  type LogBatchResponse,
  type LogLine,
} from '@polytene/protocol';
import { ServerRefusedError, type RunnerClient } from './client.js';
import { parseRunnerConfig } from './config.js';
import { JobRun } from './job.js';
import type { Logger } from './logger.js';
import { Workspaces } from './workspace.js';
import { TestRepo, tempDir } from './test-support/repo.js';

const repo = new TestRepo('polytene-job-repo-');
const workDir = tempDir('polytene-job-work-');
afterAll(() => {
  repo.remove();
  rmSync(workDir, { recursive: true, force: true });
});

/** lease_seconds 1: a heartbeat every 500 ms (the shortest). */
const SETTINGS: HelloResponse = {
  runner_id: 1,
  name: 'unit',
  lease_seconds: 1,
  log_flush_ms: 100,
  max_log_batch_lines: 1000,
  max_log_line_chars: 10_000,
};

function jobFor(sha: string, script: string, targets?: Job['targets']): Job {
  return {
    id: 41,
    token: 'pjt_unit',
    project: { id: 3, name: 'app', clone_url: repo.url },
    build: { id: 5, ref: 'main', sha, external_id: null },
    branch: 'main',
    environment: 'production',
    artifacts_dir: 'polytene',
    script,
    timeout_seconds: 60,
    variables: [],
    ...(targets ? { targets } : {}),
  };
}

type Event = 'heartbeat sent' | 'heartbeat answered' | 'final report sent';

/**
 * The server's side of one job, in process so the order of events is exact: the first `running` report
 * is answered at once; every later one (a heartbeat) is held. A held heartbeat is answered 409 JOB_FINISHED
 * as the real server does when the final report got there first: right after the final report, or, when
 * no final report comes because the runner waits for its heartbeat, once the last log batch is answered.
 */
class ServerStandIn {
  readonly events: Event[] = [];
  readonly finals: JobUpdate[] = [];
  readonly lines: LogLine[] = [];
  private running = 0;
  private held: ((error: ServerRefusedError) => void)[] = [];
  private finished = false;

  constructor(private readonly onHeartbeat: () => void) {}

  readonly client = {
    sendLog: async (_job: { id: number }, lines: LogLine[]): Promise<LogBatchResponse> => {
      this.lines.push(...lines);
      if (lines.some((l) => l.text === 'The script succeeded.')) {
        setImmediate(() => this.refuseHeldHeartbeats());
      }
      return { last_n: lines[lines.length - 1]?.n ?? 0, status: 'running' };
    },
    updateJob: async (_job: { id: number }, update: JobUpdate): Promise<JobUpdateResponse> => {
      if (update.status !== 'running') {
        this.events.push('final report sent');
        this.finals.push(update);
        this.finished = true;
        queueMicrotask(() => this.refuseHeldHeartbeats());
        return { status: update.status, last_n: this.lines.length };
      }
      if (++this.running === 1) return { status: 'running', last_n: 0 };
      this.events.push('heartbeat sent');
      if (this.finished) {
        this.events.push('heartbeat answered');
        throw finishedError();
      }
      const answer = new Promise<JobUpdateResponse>((_resolve, reject) => this.held.push(reject));
      this.onHeartbeat();
      return answer;
    },
  };

  private refuseHeldHeartbeats(): void {
    for (const reject of this.held.splice(0)) {
      this.events.push('heartbeat answered');
      reject(finishedError());
    }
  }
}

function finishedError(): ServerRefusedError {
  return new ServerRefusedError(409, JOB_FINISHED_ERROR, '409 the job has ended (succeeded)');
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

function runJob(server: ServerStandIn, job: Job, logger = recordingLogger()): JobRun {
  const config = parseRunnerConfig({ url: 'http://127.0.0.1:9', token: 'prt_unit', workDir });
  return new JobRun(
    {
      client: server.client as unknown as RunnerClient,
      config,
      settings: SETTINGS,
      workspaces: new Workspaces(workDir, undefined),
      logger,
    },
    job,
  );
}

describe('a job run', () => {
  it("gives the script the absolute path of the environment's inventory in POLYTENE_INVENTORY", async () => {
    const sha = repo.commit({ 'app.txt': 'inventory\n' });
    const server = new ServerStandIn(() => undefined);
    const targets = [{ name: 'web1', address: '10.0.0.1', groups: ['web'], variables: {} }];
    const script = 'echo "inventory=$POLYTENE_INVENTORY"\ngrep -c ansible_host "$POLYTENE_INVENTORY"';
    await runJob(server, jobFor(sha, script, targets)).run();

    expect(server.finals).toEqual([{ status: 'succeeded', exit_code: 0 }]);
    const output = server.lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
    const file = output.find((t) => t.startsWith('inventory='))?.slice('inventory='.length) ?? '';
    expect(path.isAbsolute(file)).toBe(true);
    expect(file).toMatch(/\/polytene\/inventory\.yml$/);
    expect(readFileSync(file, 'utf8')).toContain('ansible_host: 10.0.0.1');
    expect(output).toContain('1');
  });

  it('fails as a runner error, saying why, when the targets cannot be an inventory', async () => {
    const sha = repo.commit({ 'app.txt': 'bad inventory\n' });
    const server = new ServerStandIn(() => undefined);
    const targets = [{ name: 'web1', address: '10.0.0.1', groups: ['all'], variables: {} }];
    await runJob(server, jobFor(sha, 'echo never', targets)).run();

    expect(server.finals).toEqual([
      {
        status: 'failed',
        failure_reason: 'runner_error',
        exit_code: null,
        message:
          'the environment\'s targets cannot be an Ansible inventory: target 1 ("web1"): group "all" must ' +
          'not be "all", which every inventory has already',
      },
    ]);
    expect(server.lines.map((l) => l.text)).not.toContain('never');
  });

  it('a heartbeat in flight when the script ends is not taken for a lost job', async () => {
    const sha = repo.commit({ 'app.txt': 'heartbeat race\n' });
    // The script ends only once a heartbeat is on its way, so one is in flight when the job finishes.
    const go = path.join(workDir, 'heartbeat-in-flight');
    const server = new ServerStandIn(() => {
      if (!existsSync(go)) writeFileSync(go, '');
    });
    const logger = recordingLogger();
    const run = runJob(
      server,
      jobFor(sha, `while [ ! -e '${go}' ]; do sleep 0.05; done\necho deployed`),
      logger,
    );

    await run.run();

    expect(logger.lines.filter((l) => /refused|lost/.test(l))).toEqual([]);
    expect(run.stopReason).toBeNull();
    expect(server.finals).toEqual([{ status: 'succeeded', exit_code: 0 }]);
    expect(logger.lines).toContain('info deployment 41: succeeded');
    // The runner waited for its heartbeat's answer before it sent the final report, and sent no more.
    expect(server.events.slice(-2)).toEqual(['heartbeat answered', 'final report sent']);
    expect(server.events.filter((e) => e === 'heartbeat sent').length).toBe(
      server.events.filter((e) => e === 'heartbeat answered').length,
    );
    expect(server.lines.map((l) => l.text)).toContain('deployed');
  });
});
