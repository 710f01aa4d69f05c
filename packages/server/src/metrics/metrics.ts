import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isFinalStatus, type LogLine } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import type { Deployment } from '../db/schema.js';
import { DatabaseGauges } from './database-gauges.js';

type DeploymentLabels = 'project' | 'environment' | 'status';

/**
 * The Prometheus metrics of one app (architecture.md §13), on a registry of its own rather than
 * prom-client's global one, so several apps in one process (tests) keep separate counts. Counters and
 * histograms count what this process did; the gauges that describe the database are read at scrape time
 * (database-gauges.ts), so every replica reports the same, true figure.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly deployments: Counter<DeploymentLabels>;
  private readonly duration: Histogram<DeploymentLabels>;
  private readonly wait: Histogram<'project' | 'environment'>;
  private readonly logLines: Counter;
  private readonly logBytes: Counter;
  private readonly http: Histogram<'method' | 'route' | 'status'>;
  private readonly claims: Counter<'result'>;
  private readonly dispatchProbes: Counter;
  private readonly statements: Counter;
  private readonly gauges: DatabaseGauges;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.deployments = new Counter({
      name: 'polytene_deployments_total',
      help: 'Deployments that reached a final status (succeeded, failed, canceled, skipped)',
      labelNames: ['project', 'environment', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'polytene_deployment_duration_seconds',
      help: 'How long a deployment ran, from started to its final status (never-started ones are not counted)',
      labelNames: ['project', 'environment', 'status'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers,
    });
    this.wait = new Histogram({
      name: 'polytene_deployment_wait_seconds',
      help: 'How long a deployment waited in the queue before a runner started it',
      labelNames: ['project', 'environment'],
      buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 1800, 3600],
      registers,
    });
    this.logLines = new Counter({
      name: 'polytene_log_lines_ingested_total',
      help: 'Log lines received from runners (a re-sent line counts again)',
      registers,
    });
    this.logBytes = new Counter({
      name: 'polytene_log_bytes_ingested_total',
      help: 'UTF-8 bytes of the log lines received from runners',
      registers,
    });
    this.http = new Histogram({
      name: 'polytene_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern (never the raw URL) and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.claims = new Counter({
      name: 'polytene_job_claims_total',
      help: 'Claim transactions run for waiting runners, by result (claimed a job, or none)',
      labelNames: ['result'],
      registers,
    });
    this.dispatchProbes = new Counter({
      name: 'polytene_dispatch_probes_total',
      help: 'Queries for claimable jobs run to decide which waiting runners to wake',
      registers,
    });
    this.statements = new Counter({
      name: 'polytene_database_statements_total',
      help: 'SQL statements this process sent through its connection pool (BEGIN and COMMIT included)',
      registers,
    });
    this.gauges = new DatabaseGauges(this.registry);
  }

  /** A statement sent through the pool (db/database.ts). */
  statement(): void {
    this.statements.inc();
  }

  /** A claim transaction of a waiting runner (runner-protocol/long-poll.ts). */
  jobClaim(claimed: boolean): void {
    this.claims.inc({ result: claimed ? 'claimed' : 'none' });
  }

  /** A query for claimable jobs before waking runners (runner-protocol/dispatch.ts). */
  dispatchProbe(): void {
    this.dispatchProbes.inc();
  }

  /**
   * Called by transitionDeployment with the row before and after the move, inside its transaction
   * (`trx` reads the project's name). A rolled-back transaction still counted: a rare, small excess.
   */
  async deploymentMoved(trx: Db, before: Deployment, after: Deployment): Promise<void> {
    const started = after.status === 'running' && before.status === 'queued';
    const final = isFinalStatus(after.status);
    if (!started && !final) return;
    const { name } = await trx
      .selectFrom('projects')
      .select('name')
      .where('id', '=', after.project_id)
      .executeTakeFirstOrThrow();
    const place = { project: name, environment: after.environment };
    if (started && after.started_at) {
      this.wait.observe(place, seconds(after.queued_at, after.started_at));
    }
    if (final) {
      const labels = { ...place, status: after.status };
      this.deployments.inc(labels);
      if (after.started_at && after.finished_at) {
        this.duration.observe(labels, seconds(after.started_at, after.finished_at));
      }
    }
  }

  /** A batch of log lines as it arrives from a runner. */
  logsReceived(lines: readonly LogLine[]): void {
    let bytes = 0;
    for (const line of lines) bytes += Buffer.byteLength(line.text, 'utf8');
    this.logLines.inc(lines.length);
    this.logBytes.inc(bytes);
  }

  /** `route` is the pattern Fastify matched (`/api/v1/builds/:token/create`), never the URL. */
  httpRequest(method: string, route: string, status: number, durationSeconds: number): void {
    this.http.observe({ method, route, status: String(status) }, durationSeconds);
  }

  /** The exposition text: reads the database gauges first (one query each), then renders. */
  async render(db: Db, leaseSeconds: number): Promise<string> {
    await this.gauges.refresh(db, leaseSeconds);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function seconds(from: Date, to: Date): number {
  return Math.max(0, (to.getTime() - from.getTime()) / 1000);
}
