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
import type { Db } from '../db/database.js';

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
    await runMigrations({ connectionString: this.connectionString, logger: quietLogger });
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
    this.runner = await run({
      connectionString: this.connectionString,
      concurrency,
      taskList: this.tasks,
      noHandleSignals: true,
      pollInterval: 2_000,
      logger: quietLogger,
    });
    for (const task of this.recurring) {
      await this.runner.addJob(
        task.name,
        {},
        { jobKey: task.jobKey, jobKeyMode: 'preserve_run_at', maxAttempts: 1 },
      );
    }
  }

  async stop(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    await runner?.stop();
  }
}

/** graphile-worker logs only warnings and errors; task progress shows in our own records. */
const quietLogger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`[jobs] ${level}: ${message}`);
});
