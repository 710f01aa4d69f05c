import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DEPLOYMENT_MESSAGES,
  MAX_LOG_BATCH_BYTES,
  MIN_SECRET_LENGTH,
  isTooShortForSecret,
  scriptFailedMessage,
  type HelloResponse,
  type Job,
  type JobControlStatus,
  type JobUpdate,
} from '@polytene/protocol';
import { ArtifactsError, writeArtifacts } from './artifacts.js';
import { ServerRefusedError, type RunnerClient, type RetryPolicy } from './client.js';
import type { RunnerConfig } from './config.js';
import { execute, type ExecutionResult } from './executor.js';
import { GitError } from './git.js';
import { INVENTORY_FILE } from './inventory.js';
import { RUNNER_VERSION } from './identity.js';
import { LogShipper, isTakenAway } from './log-shipper.js';
import { Masker } from './masking.js';
import type { Logger } from './logger.js';
import { WorkspaceError, displayUrl, type Workspaces } from './workspace.js';

/** Why a job was stopped before its script ended by itself. */
export type StopReason = 'canceled' | 'timeout' | 'lost' | 'shutdown';

export interface JobContext {
  client: RunnerClient;
  config: RunnerConfig;
  settings: HelloResponse;
  workspaces: Workspaces;
  logger: Logger;
}

const REPORT_RETRY: RetryPolicy = { attempts: Infinity, initialDelayMs: 250, maxDelayMs: 5_000 };
const HEARTBEAT_MAX_MS = 2_000;
/** How long the final report waits for a heartbeat still on its way (its answer is ignored after that). */
const HEARTBEAT_DRAIN_MS = 5_000;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A deployment taken by this runner, from `running` to its final report. */
export class JobRun {
  private readonly stopper = new AbortController();
  private readonly reportGiveUp = new AbortController();
  private readonly shipper: LogShipper;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly heartbeats = new Set<Promise<void>>();
  /** Set once the final report is next: heartbeats have stopped and a late answer to one is ignored. */
  private finishing = false;

  constructor(
    private readonly ctx: JobContext,
    readonly job: Job,
  ) {
    const { settings, config } = ctx;
    this.shipper = new LogShipper({
      send: (lines) => ctx.client.sendLog(job, lines, { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 }),
      flushMs: settings.log_flush_ms > 0 ? settings.log_flush_ms : 500,
      maxBatchLines: Math.max(1, settings.max_log_batch_lines),
      maxBatchBytes: settings.max_log_batch_bytes ?? MAX_LOG_BATCH_BYTES,
      maxLineChars: Math.max(1, settings.max_log_line_chars),
      limitBytes: config.logLimitBytes,
      memoryLimitBytes: config.logMemoryBytes,
      spoolFile: path.join(config.workDir, 'spool', `deployment-${job.id}.log`),
      secrets: this.secrets(),
      onStatus: (status) => this.onServerStatus(status),
      onRefused: () => this.stop('lost'),
    });
  }

  private secrets(): string[] {
    return this.job.variables.filter((v) => v.secret).map((v) => v.value);
  }

  /** Memory held for log lines not confirmed yet (a gauge, see LogShipper). */
  get logBuffer(): { bufferedBytes: number; peakBufferedBytes: number; spooledLines: number } {
    const { bufferedBytes, peakBufferedBytes, spooledLines } = this.shipper;
    return { bufferedBytes, peakBufferedBytes, spooledLines };
  }

  get stopReason(): StopReason | null {
    return this.stopper.signal.aborted ? (this.stopper.signal.reason as StopReason) : null;
  }

  private isLost(): boolean {
    return this.stopReason === 'lost';
  }

  /** Stops the job; the first reason wins. */
  stop(reason: StopReason): void {
    if (this.stopper.signal.aborted) return;
    this.ctx.logger.info(`deployment ${this.job.id}: stopping (${reason})`);
    this.stopper.abort(reason);
    if (reason === 'lost') {
      this.shipper.abandon();
      this.reportGiveUp.abort(reason);
    }
  }

  /** After a forced shutdown, stop retrying the final report (the server will see the lease run out). */
  giveUpReporting(): void {
    this.reportGiveUp.abort('shutdown');
    this.shipper.abandon();
  }

  async run(): Promise<void> {
    const { job, ctx } = this;
    ctx.logger.info(
      `deployment ${job.id}: ${job.project.name} ${job.branch} ${job.build.sha} to ${job.environment}`,
    );
    const timeout = setTimeout(() => this.stop('timeout'), job.timeout_seconds * 1000);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), heartbeatMs(ctx.settings.lease_seconds));
    try {
      if (
        !(await this.report({ status: 'running' }, { attempts: 5, initialDelayMs: 250, maxDelayMs: 2_000 }))
      )
        return;
      const update = await this.deploy();
      if (this.isLost()) return;
      await this.shipper.close();
      if (this.isLost()) return;
      await this.stopHeartbeats();
      if (this.isLost()) return;
      await this.report(update, REPORT_RETRY);
      ctx.logger.info(
        `deployment ${job.id}: ${update.status}${update.failure_reason ? ` (${update.failure_reason})` : ''}`,
      );
    } finally {
      clearTimeout(timeout);
      this.clearHeartbeatTimer();
    }
  }

  /**
   * Before the final report: no more heartbeats, and the answer of one still on its way is awaited (up to
   * HEARTBEAT_DRAIN_MS), so that it cannot reach the server after the final status and be refused.
   */
  private async stopHeartbeats(): Promise<void> {
    this.finishing = true;
    this.clearHeartbeatTimer();
    if (this.heartbeats.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<void>((resolve) => (timer = setTimeout(resolve, HEARTBEAT_DRAIN_MS)));
    try {
      await Promise.race([Promise.all(this.heartbeats), drained]);
    } finally {
      clearTimeout(timer);
    }
  }

  private clearHeartbeatTimer(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  /** Workspace, artifacts, script; answers the final report to send. */
  private async deploy(): Promise<JobUpdate> {
    const { job, ctx, shipper } = this;
    const signal = this.stopper.signal;
    shipper.system(
      `Polytene runner ${RUNNER_VERSION} on ${os.hostname()}: deploying ${job.project.name} ${job.branch} ` +
        `(${job.build.sha}) to ${job.environment}`,
    );
    this.warnAboutShortSecrets();
    let workTree: string;
    let artifactsDir: string;
    try {
      const workspace = await ctx.workspaces.prepare(
        {
          projectId: job.project.id,
          cloneUrl: job.project.clone_url,
          sha: job.build.sha,
          environment: job.environment,
        },
        (text) => shipper.system(text),
        signal,
      );
      workTree = workspace.workTree;
      artifactsDir = await writeArtifacts(job, workspace, signal);
      shipper.system(`Artifacts written to ${artifactsDir}`);
      const count = job.targets?.length ?? 0;
      shipper.system(
        `Ansible inventory of ${count} target${count === 1 ? '' : 's'} written to ` +
          `${path.join(artifactsDir, INVENTORY_FILE)} (POLYTENE_INVENTORY)`,
      );
    } catch (error) {
      if (signal.aborted) return this.stoppedUpdate(null);
      const known =
        error instanceof WorkspaceError || error instanceof ArtifactsError || error instanceof GitError;
      const message = known ? error.message : `unexpected error: ${String(error)}`;
      shipper.system(`Preparing the deployment failed: ${message}`);
      return {
        status: 'failed',
        failure_reason: 'runner_error',
        exit_code: null,
        message: message.slice(0, 4096),
      };
    }
    if (signal.aborted) return this.stoppedUpdate(null);
    const result = await this.runScript(workTree, artifactsDir);
    if (signal.aborted) return this.stoppedUpdate(result);
    if (result.exitCode === 0) {
      shipper.system('The script succeeded.');
      return { status: 'succeeded', exit_code: 0 };
    }
    const how = result.exitCode !== null ? `exit code ${result.exitCode}` : `signal ${result.signal}`;
    shipper.system(`The script failed with ${how}.`);
    return {
      status: 'failed',
      failure_reason: 'script_failure',
      exit_code: result.exitCode,
      message: scriptFailedMessage(result.exitCode, result.signal),
    };
  }

  private async runScript(workTree: string, artifactsDir: string): Promise<ExecutionResult> {
    const { job, ctx, shipper } = this;
    const scriptDir = path.join(ctx.config.workDir, 'scripts');
    await mkdir(scriptDir, { recursive: true, mode: 0o700 });
    const env = this.scriptEnv(artifactsDir);
    shipper.useMasker(await Masker.forScript(this.secrets(), env));
    const execution = await execute({
      script: job.script,
      scriptFile: path.join(scriptDir, `deployment-${job.id}.sh`),
      cwd: workTree,
      env,
      onLine: (stream, text) => shipper.add(stream, text, true),
      masker: shipper.secretMasker,
      killGraceMs: ctx.config.killGraceSeconds * 1000,
    });
    const onStop = () => execution.stop();
    this.stopper.signal.addEventListener('abort', onStop, { once: true });
    shipperPressure(shipper, execution);
    try {
      return await execution.done;
    } finally {
      this.stopper.signal.removeEventListener('abort', onStop);
    }
  }

  /** Secrets stored before the server refused short ones are not masked (see Masker); the log says so. */
  private warnAboutShortSecrets(): void {
    for (const variable of this.job.variables) {
      if (!variable.secret || !isTooShortForSecret(variable.value)) continue;
      this.shipper.system(
        `Variable ${variable.key} is secret but shorter than ${MIN_SECRET_LENGTH} characters, so it is not ` +
          'masked in this log; give it a longer value.',
      );
    }
  }

  private stoppedUpdate(result: ExecutionResult | null): JobUpdate {
    const exitCode = result?.exitCode ?? null;
    switch (this.stopReason) {
      case 'canceled':
        this.shipper.system('The deployment was canceled.');
        return {
          status: 'canceled',
          exit_code: exitCode,
          message: DEPLOYMENT_MESSAGES.canceled_from_polytene,
        };
      case 'timeout':
        this.shipper.system(`The deployment timed out after ${this.job.timeout_seconds} s and was stopped.`);
        return {
          status: 'failed',
          failure_reason: 'timeout',
          exit_code: exitCode,
          message: DEPLOYMENT_MESSAGES.timed_out,
        };
      default:
        this.shipper.system('The runner was stopped before the deployment finished.');
        return {
          status: 'failed',
          failure_reason: 'runner_error',
          exit_code: exitCode,
          message: DEPLOYMENT_MESSAGES.runner_stopped,
        };
    }
  }

  /** The runner's own environment without POLYTENE_* settings, the branch's variables, then POLYTENE_*. */
  private scriptEnv(artifactsDir: string): NodeJS.ProcessEnv {
    const { job } = this;
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('POLYTENE_') && !key.startsWith('GIT_')) env[key] = value;
    }
    for (const variable of job.variables) {
      if (ENV_NAME.test(variable.key)) env[variable.key] = variable.value;
      else
        this.shipper.system(`Variable "${variable.key}" is not a valid environment variable name; skipped.`);
    }
    return {
      ...env,
      CI: 'true',
      POLYTENE: 'true',
      POLYTENE_DEPLOYMENT_ID: String(job.id),
      POLYTENE_PROJECT_ID: String(job.project.id),
      POLYTENE_PROJECT_NAME: job.project.name,
      POLYTENE_BUILD_ID: String(job.build.id),
      POLYTENE_BUILD_EXTERNAL_ID: job.build.external_id ?? '',
      POLYTENE_SHA: job.build.sha,
      POLYTENE_REF: job.build.ref,
      POLYTENE_BRANCH: job.branch,
      POLYTENE_ENVIRONMENT: job.environment,
      POLYTENE_ARTIFACTS_DIR: artifactsDir,
      POLYTENE_INVENTORY: path.join(artifactsDir, INVENTORY_FILE),
      POLYTENE_REPO_URL: displayUrl(job.project.clone_url),
    };
  }

  private onServerStatus(status: JobControlStatus): void {
    if (status === 'canceling') this.stop('canceled');
    else if (isTakenAway(status)) this.stop('lost');
  }

  private heartbeat(): void {
    if (this.isLost() || this.finishing) return;
    const sent: Promise<void> = this.report(
      { status: 'running' },
      { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
    )
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => this.heartbeats.delete(sent));
    this.heartbeats.add(sent);
  }

  /** PUT the job's status; false when the server says the job is no longer this runner's. */
  private async report(update: JobUpdate, retry: RetryPolicy): Promise<boolean> {
    try {
      const answer = await this.ctx.client.updateJob(this.job, update, retry, this.reportGiveUp.signal);
      // A late heartbeat answer says nothing the final report will not say better.
      if (update.status === 'running' && !this.finishing) this.onServerStatus(answer.status);
      return !this.isLost();
    } catch (error) {
      // A heartbeat refused while the job is finishing (it crossed the final report): the final report's
      // own answer tells whether the job is still this runner's.
      if (update.status === 'running' && this.finishing) return false;
      if (error instanceof ServerRefusedError) {
        this.ctx.logger.warn(`deployment ${this.job.id}: the server refused the update: ${error.message}`);
        if (update.status === 'running') this.stop('lost');
        return false;
      }
      if (this.reportGiveUp.signal.aborted) return false;
      throw error;
    }
  }
}

/** Pause reading the script's output while the shipper is far behind. */
function shipperPressure(shipper: LogShipper, execution: { pause(): void; resume(): void }): void {
  shipper.onPressure = (high) => (high ? execution.pause() : execution.resume());
}

/**
 * The heartbeat keeps the lease and is how a silent script learns of a cancel request, so it is frequent:
 * every 2 s, or a third of the lease when that is shorter.
 */
function heartbeatMs(leaseSeconds: number): number {
  return Math.max(500, Math.min(HEARTBEAT_MAX_MS, Math.floor((leaseSeconds * 1000) / 3)));
}
