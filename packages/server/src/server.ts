import type { ServerConfig } from './config.js';
import { publicUrlOf } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.js';
import { migrateToLatest } from './db/migrate.js';
import { EventBus } from './events/bus.js';
import { JobDispatch } from './runner-protocol/dispatch.js';
import { JOBS_TOPIC } from './deployments/transitions.js';
import { DatabaseProbe } from './health/database-probe.js';
import { JobQueue } from './jobs/queue.js';
import { Metrics } from './metrics/metrics.js';
import { SecretBox, loadSecretKey } from './secrets.js';
import { ensureDefaultAdmin } from './auth/service.js';
import { buildApp } from './app.js';
import { loggerOptions } from './logging/redact.js';
import type { App } from './http/types.js';

export interface RunningServer {
  app: App;
  ctx: AppContext;
  databaseUrl: string;
  embedded: boolean;
  /** Where the embedded PostgreSQL keeps its cluster, and why not in the data dir when it does not. */
  embeddedCluster: { dir: string; movedBecause: string | null } | null;
  createdDefaultAdmin: boolean;
  /** Stops in order: HTTP, health probe, background jobs, events, database pool, embedded PostgreSQL. */
  stop(): Promise<void>;
}

export interface CreateServerOptions {
  /** Start the background job worker (off in tests that drive tasks themselves). */
  worker?: boolean;
  logger?: boolean;
  /** Where the log lines go (one JSON line per write); standard output when not given. */
  logStream?: LogStream;
}

export interface LogStream {
  write(line: string): void;
}

/** Brings up everything but the listening socket: database, migrations, default admin, events, jobs, app. */
export async function createServer(
  config: ServerConfig,
  options: CreateServerOptions = {},
): Promise<RunningServer> {
  let embedded: EmbeddedDatabase | null = null;
  let database: DatabaseHandle | null = null;
  let databaseProbe: DatabaseProbe | null = null;
  let bus: EventBus | null = null;
  let jobs: JobQueue | null = null;
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      embedded = await startEmbeddedPostgres(config.dataDir, 'polytene');
      databaseUrl = embedded.url;
    }
    const metrics = new Metrics();
    database = openDatabase(databaseUrl, undefined, () => metrics.statement());
    databaseProbe = new DatabaseProbe(databaseUrl);
    await migrateToLatest(database.db);
    jobs = new JobQueue(databaseUrl);
    await jobs.migrate();
    const createdDefaultAdmin = await ensureDefaultAdmin(database.db);
    bus = new EventBus(databaseUrl);
    await bus.start();
    const ctx: AppContext = {
      config,
      db: database.db,
      databaseProbe,
      bus,
      dispatch: new JobDispatch(database.db, metrics, bus, JOBS_TOPIC),
      jobs,
      metrics,
      secrets: new SecretBox(loadSecretKey(config.secretKey, config.dataDir)),
      publicUrl: publicUrlOf(config),
      startedAt: new Date(),
    };
    const logger = options.logger ? loggerOptions(config.logLevel, options.logStream) : false;
    const app = await buildApp(ctx, { logger });
    if (options.worker !== false) await jobs.start();
    const started = { database, databaseProbe, bus, jobs };
    return {
      app,
      ctx,
      databaseUrl,
      embedded: embedded !== null,
      embeddedCluster: embedded && { dir: embedded.clusterDir, movedBecause: embedded.movedBecause },
      createdDefaultAdmin,
      stop: async () => {
        await app.close();
        ctx.dispatch.stop();
        await started.databaseProbe.close();
        await started.jobs.stop();
        await started.bus.close();
        await started.database.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await jobs?.stop().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    await databaseProbe?.close().catch(() => undefined);
    await database?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
}
