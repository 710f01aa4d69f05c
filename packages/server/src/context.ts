import type { ServerConfig } from './config.js';
import type { Db } from './db/database.js';
import type { EventBus } from './events/bus.js';
import type { DatabaseProbe } from './health/database-probe.js';
import type { JobQueue } from './jobs/queue.js';
import type { Metrics } from './metrics/metrics.js';
import type { SecretBox } from './secrets.js';
import type { JobDispatch } from './runner-protocol/dispatch.js';

/** What every feature needs from the running server, built once in app.ts. */
export interface AppContext {
  config: ServerConfig;
  db: Db;
  /** `SELECT 1` on a connection of its own, for the health check. */
  databaseProbe: DatabaseProbe;
  bus: EventBus;
  /** Which waiting runners of this process a new job wakes (runner-protocol/dispatch.ts). */
  dispatch: JobDispatch;
  secrets: SecretBox;
  jobs: JobQueue;
  /** This app's Prometheus registry and collectors (metrics/metrics.ts). */
  metrics: Metrics;
  publicUrl: string;
  /** When this process started serving; the lease reaper gives runners one lease from then to report. */
  startedAt: Date;
}
