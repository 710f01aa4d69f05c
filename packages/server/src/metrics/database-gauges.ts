import { sql } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/database.js';

interface DeploymentRow {
  project: string;
  environment: string;
  status: 'queued' | 'running';
  n: number;
  oldest_seconds: number;
}

interface JobRow {
  task: string;
  state: string;
  n: number;
}

/**
 * Gauges that describe the database rather than this process: queue depth, runners online and the
 * graphile-worker job queue. They are read at scrape time, one cheap query each, so every replica
 * reports the same true figure (dashboards aggregate them with `max`, not `sum`). When the database does
 * not answer, they are left out and `polytene_metrics_database_up` is 0; the rest of the scrape still works.
 */
export class DatabaseGauges {
  private readonly queued: Gauge<'project' | 'environment'>;
  private readonly running: Gauge<'project' | 'environment'>;
  private readonly oldestQueued: Gauge<'project' | 'environment'>;
  private readonly runnersOnline: Gauge;
  private readonly runnersRegistered: Gauge;
  private readonly jobs: Gauge<'task' | 'state'>;
  private readonly databaseUp: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    const place = ['project', 'environment'] as const;
    this.queued = new Gauge({
      name: 'polytene_deployments_queued',
      help: 'Deployments waiting for a runner',
      labelNames: place,
      registers,
    });
    this.running = new Gauge({
      name: 'polytene_deployments_running',
      help: 'Deployments running now',
      labelNames: place,
      registers,
    });
    this.oldestQueued = new Gauge({
      name: 'polytene_deployment_oldest_queued_seconds',
      help: 'How long the oldest deployment still queued has been waiting',
      labelNames: place,
      registers,
    });
    this.runnersOnline = new Gauge({
      name: 'polytene_runners_online',
      help: 'Runners seen within one lease (leaseSeconds)',
      registers,
    });
    this.runnersRegistered = new Gauge({
      name: 'polytene_runners_registered',
      help: 'Runners registered, online or not',
      registers,
    });
    this.jobs = new Gauge({
      name: 'polytene_job_queue_jobs',
      help: 'Background jobs (graphile-worker) by task and state: waiting, scheduled, retrying, locked, failed',
      labelNames: ['task', 'state'],
      registers,
    });
    this.databaseUp = new Gauge({
      name: 'polytene_metrics_database_up',
      help: '1 when the scrape-time database queries answered, 0 when they failed',
      registers,
    });
  }

  /** Queries first, then resets and sets without awaiting in between, so concurrent scrapes never mix. */
  async refresh(db: Db, leaseSeconds: number): Promise<void> {
    let results: [DeploymentRow[], { online: number; registered: number }, JobRow[]];
    try {
      results = await Promise.all([deploymentRows(db), runnerCounts(db, leaseSeconds), jobRows(db)]);
    } catch {
      this.resetAll();
      this.databaseUp.set(0);
      return;
    }
    const [deployments, runners, jobs] = results;
    this.resetAll();
    for (const row of deployments) {
      const labels = { project: row.project, environment: row.environment };
      if (row.status === 'queued') {
        this.queued.set(labels, row.n);
        this.oldestQueued.set(labels, row.oldest_seconds);
      } else {
        this.running.set(labels, row.n);
      }
    }
    this.runnersOnline.set(runners.online);
    this.runnersRegistered.set(runners.registered);
    for (const row of jobs) this.jobs.set({ task: row.task, state: row.state }, row.n);
    this.databaseUp.set(1);
  }

  /** Label sets that are gone from the database (a queue emptied) must go from the output too. */
  private resetAll(): void {
    this.queued.reset();
    this.running.reset();
    this.oldestQueued.reset();
    this.runnersOnline.reset();
    this.runnersRegistered.reset();
    this.jobs.reset();
  }
}

/** Queued and running deployments by project and environment (both statuses have a partial index). */
async function deploymentRows(db: Db): Promise<DeploymentRow[]> {
  const result = await sql<DeploymentRow>`
    SELECT p.name AS project, d.environment, d.status, count(*)::int AS n,
           EXTRACT(EPOCH FROM now() - min(d.queued_at))::float8 AS oldest_seconds
    FROM deployments d JOIN projects p ON p.id = d.project_id
    WHERE d.status IN ('queued', 'running')
    GROUP BY p.name, d.environment, d.status`.execute(db);
  return result.rows;
}

async function runnerCounts(db: Db, leaseSeconds: number): Promise<{ online: number; registered: number }> {
  const result = await sql<{ online: number; registered: number }>`
    SELECT count(*) FILTER (WHERE last_seen_at > now() - make_interval(secs => ${leaseSeconds}))::int AS online,
           count(*)::int AS registered
    FROM runners`.execute(db);
  return result.rows[0] ?? { online: 0, registered: 0 };
}

/**
 * graphile-worker's public `jobs` view. A job being worked on is `locked`; one out of attempts is
 * `failed` (it stays until someone removes it); one that failed and waits for its next try is `retrying`;
 * one due later (the recurring tasks' next run) is `scheduled`; the rest are `waiting` for a worker.
 */
async function jobRows(db: Db): Promise<JobRow[]> {
  const result = await sql<JobRow>`
    SELECT task_identifier AS task, state, count(*)::int AS n
    FROM graphile_worker.jobs
    CROSS JOIN LATERAL (SELECT CASE
      WHEN locked_at IS NOT NULL THEN 'locked'
      WHEN attempts >= max_attempts THEN 'failed'
      WHEN last_error IS NOT NULL THEN 'retrying'
      WHEN run_at > now() THEN 'scheduled'
      ELSE 'waiting' END AS state) AS s
    GROUP BY task_identifier, state`.execute(db);
  return result.rows;
}
