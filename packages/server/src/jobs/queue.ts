import { sql } from 'kysely';
import {
  Logger,
  run,
  runMigrations,
  type Runner,
  type Task,
  type TaskList,
  type TaskSpec,
} from 'graphile-worker';
import pg from 'pg';
import type { Db } from '../db/database.js';
import { redactText } from '../logging/redact.js';

export type { Task };

/**
 * Durable background work on PostgreSQL through graphile-worker: retries with exponential backoff,
 * LISTEN/NOTIFY wake-up, safe with several server processes. Features register their tasks at start.
 */
export interface RecurringTask {
  name: string;
  /** Only one job with this key waits at a time, however many server processes schedule it. */
  jobKey: string;
  everySeconds: number;
  run: () => Promise<unknown>;
}

export class JobQueue {
  private readonly tasks: TaskList = {};
  private readonly recurring: RecurringTask[] = [];
  private runner: Runner | null = null;
  private pool: pg.Pool | null = null;
  private concurrency = 4;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(private readonly connectionString: string) {}

  register(name: string, task: Task): void {
    this.tasks[name] = task;
  }

  /**
   * A task that runs every `everySeconds`: each run first schedules the next one (same job key, so
   * several server processes keep just one), then does its work. The first run is scheduled at start.
   */
  registerRecurring(task: RecurringTask): void {
    this.recurring.push(task);
    this.register(task.name, async (_payload, helpers) => {
      await helpers.addJob(
        task.name,
        {},
        { jobKey: task.jobKey, runAt: new Date(Date.now() + task.everySeconds * 1000), maxAttempts: 1 },
      );
      await task.run();
    });
  }

  registered(): string[] {
    return Object.keys(this.tasks);
  }

  /** Creates graphile-worker's own schema; safe to run from several processes at once. */
  async migrate(): Promise<void> {
    await runMigrations({ connectionString: this.connectionString, logger: workerLogger() });
  }

  /** Adds a job through `db`; pass a transaction to make the job commit (or roll back) with the change. */
  async add(db: Db, task: string, payload: Record<string, unknown>, spec: TaskSpec = {}): Promise<void> {
    await sql`SELECT graphile_worker.add_job(
      ${task},
      ${JSON.stringify(payload)}::json,
      queue_name => ${spec.queueName ?? null}::text,
      run_at => ${spec.runAt ?? null}::timestamptz,
      max_attempts => ${spec.maxAttempts ?? null}::int,
      job_key => ${spec.jobKey ?? null}::text,
      priority => ${spec.priority ?? null}::int,
      job_key_mode => ${spec.jobKeyMode ?? null}::text
    )`.execute(db);
  }

  async start(concurrency = 4): Promise<void> {
    this.concurrency = concurrency;
    this.stopping = false;
    // Our own pool with listeners that outlive graphile-worker's: PostgreSQL ending idle connections
    // (a restart, or Ctrl-C reaching the embedded one while the server stops) must not crash the process
    // with an unhandled 'error'; pg drops such a connection from the pool by itself.
    this.pool = new pg.Pool({ connectionString: this.connectionString, max: concurrency + 2 });
    this.pool.on('error', () => undefined);
    // Likewise for a connection that is in use: the failing query reports it; the event must not crash.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    await this.startRunner();
    for (const task of this.recurring) {
      await this.runner?.addJob(
        task.name,
        {},
        { jobKey: task.jobKey, jobKeyMode: 'preserve_run_at', maxAttempts: 1 },
      );
    }
  }

  /** From now on the queue is stopping: dropped connections are expected, not logged or recovered. */
  beginStop(): void {
    this.stopping = true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const runner = this.runner;
    this.runner = null;
    await runner?.stop();
    const pool = this.pool;
    this.pool = null;
    await pool?.end();
  }

  private async startRunner(): Promise<void> {
    if (!this.pool) return;
    const runner = await run({
      pgPool: this.pool,
      concurrency: this.concurrency,
      taskList: this.tasks,
      noHandleSignals: true,
      pollInterval: 2_000,
      logger: workerLogger(() => this.stopping),
    });
    if (this.stopping) {
      await runner.stop();
      return;
    }
    this.runner = runner;
    // graphile-worker shuts its workers down when it cannot complete a job (the database went away at that
    // moment), and 0.17 keeps a failed first look-up of its task ids forever, so after a database restart
    // at the wrong moment its workers only repeat that error. Background work such as the lease reaper
    // must go on: when the workers stop, or fail to look for jobs for a while, start them afresh.
    let failingSince: number | null = null;
    const restart = () => {
      if (this.stopping || this.runner !== runner) return;
      this.runner = null;
      void runner.stop().catch(() => undefined);
      this.scheduleRestart();
    };
    runner.events.on('worker:getJob:error', () => {
      failingSince ??= Date.now();
      if (Date.now() - failingSince > STUCK_AFTER_MS) restart();
    });
    runner.events.on('worker:getJob:empty', () => (failingSince = null));
    runner.events.on('job:start', () => (failingSince = null));
    runner.promise.then(restart, restart);
  }

  private scheduleRestart(): void {
    if (this.stopping || this.restartTimer) return;
    console.error(
      '[jobs] error: the job workers stopped or cannot reach the database; starting them afresh in 1 s',
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping) this.startRunner().catch(() => this.scheduleRestart());
    }, 1_000);
  }
}

/** How long the workers may fail to look for jobs before they are started afresh. */
const STUCK_AFTER_MS = 10_000;

/**
 * graphile-worker logs only warnings and errors (none while stopping), with any token in them redacted
 * (a failed task's error may quote a URL); task progress shows in our own records.
 */
function workerLogger(stopping: () => boolean = () => false): Logger {
  return new Logger(() => (level, message) => {
    if (stopping()) return;
    if (level === 'error' || level === 'warning') console.error(`[jobs] ${level}: ${redactText(message)}`);
  });
}
