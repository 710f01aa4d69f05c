import { rm } from 'node:fs/promises';
import path from 'node:path';
import { JOB_REQUEST_MAX_WAIT_MS, type HelloResponse } from '@polytene/protocol';
import { ServerRefusedError, sleep, type RunnerClient } from './client.js';
import type { RunnerConfig } from './config.js';
import { helloRequest, keyFingerprintOfFiles } from './identity.js';
import { JobRun } from './job.js';
import type { Logger } from './logger.js';
import { Workspaces } from './workspace.js';

const POLL_RETRY_MAX_MS = 30_000;
/** After the forced abort at shutdown, how long the final reports may still take. */
const REPORT_AFTER_ABORT_MS = 15_000;

/**
 * Long-polls for jobs while fewer than `concurrency` run, and runs each one. `stop()` stops taking jobs,
 * lets the running ones finish for the grace period, then stops them and reports them as failed.
 */
export class Poller {
  private readonly running = new Set<JobRun>();
  private readonly runs = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly workspaces: Workspaces;
  private keyState = '';
  private slotWaiters: (() => void)[] = [];
  private loop: Promise<void> | null = null;

  constructor(
    private readonly client: RunnerClient,
    private readonly config: RunnerConfig,
    private settings: HelloResponse,
    private readonly logger: Logger,
  ) {
    this.workspaces = new Workspaces(config.workDir, config.sshKey);
  }

  get activeJobs(): number {
    return this.running.size;
  }

  async start(): Promise<void> {
    // Spool files left by a runner that died are of deployments it lost; nothing will read them.
    await rm(path.join(this.config.workDir, 'spool'), { recursive: true, force: true });
    this.keyState = await keyFingerprintOfFiles(this.config.sshKey);
    this.loop = this.pollLoop();
  }

  /** Resolves when no job of this runner is left running. */
  async stop(): Promise<void> {
    if (!this.stopping.signal.aborted) {
      this.logger.info(
        `stopping: no new jobs; waiting up to ${this.config.shutdownGraceSeconds} s for ${this.running.size} running`,
      );
      this.stopping.abort('stop');
      this.wakeSlotWaiters();
    }
    await this.loop;
    const allDone = Promise.all([...this.runs]);
    const graceOver = sleep(this.config.shutdownGraceSeconds * 1000).then(() => 'grace over' as const);
    if ((await Promise.race([allDone, graceOver])) === 'grace over') {
      for (const run of this.running) run.stop('shutdown');
      const killed = sleep(this.config.killGraceSeconds * 1000 + REPORT_AFTER_ABORT_MS).then(
        () => 'late' as const,
      );
      if ((await Promise.race([allDone, killed])) === 'late') {
        for (const run of this.running) run.giveUpReporting();
      }
      await allDone;
    }
  }

  private async pollLoop(): Promise<void> {
    let delay = 1_000;
    let outage = false;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      await this.freeSlot();
      if (signal.aborted) break;
      try {
        await this.helloIfKeyChanged();
        const job = await this.client.requestJob(JOB_REQUEST_MAX_WAIT_MS, signal);
        if (outage) this.logger.info('the server is reachable again');
        outage = false;
        delay = 1_000;
        if (job) this.launch(new JobRun(this.jobContext(), job));
      } catch (error) {
        if (signal.aborted) break;
        const message = error instanceof Error ? error.message : String(error);
        if (!outage || error instanceof ServerRefusedError)
          this.logger.warn(`polling for jobs failed: ${message}`);
        outage = true;
        await sleep(delay, signal).catch(() => undefined);
        delay = Math.min(POLL_RETRY_MAX_MS, delay * 2);
      }
    }
  }

  private launch(run: JobRun): void {
    this.running.add(run);
    const done = run
      .run()
      .catch((error: unknown) => this.logger.error(`deployment ${run.job.id}: ${String(error)}`))
      .finally(() => {
        this.running.delete(run);
        this.runs.delete(done);
        this.wakeSlotWaiters();
      });
    this.runs.add(done);
  }

  /** Proof of life again when the key files changed, so the server registers the new public key. */
  private async helloIfKeyChanged(): Promise<void> {
    const state = await keyFingerprintOfFiles(this.config.sshKey);
    if (state === this.keyState) return;
    this.settings = await this.client.hello(await helloRequest(this.config.sshKey, this.config.concurrency));
    this.keyState = state;
    this.logger.info('the SSH key changed; the new public key was sent to the server');
  }

  private jobContext() {
    return {
      client: this.client,
      config: this.config,
      settings: this.settings,
      workspaces: this.workspaces,
      logger: this.logger,
    };
  }

  private freeSlot(): Promise<void> {
    if (this.running.size < this.config.concurrency || this.stopping.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => this.slotWaiters.push(resolve)).then(() => this.freeSlot());
  }

  private wakeSlotWaiters(): void {
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    for (const wake of waiters) wake();
  }
}
