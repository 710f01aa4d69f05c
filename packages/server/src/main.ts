import v8 from 'node:v8';
import { ConfigError, loadConfig } from './config.js';
import { DEFAULT_ADMIN } from './auth/service.js';
import { createServer, type RunningServer } from './server.js';
import { startLocalRunner } from './local-runner.js';
import { startIdleCollector } from './idle-gc.js';

// Under load V8 grew the old space to two or three times what stays live (47 MB by a heap snapshot after
// bench/load-bench.ts) and kept it once idle: a replica peaked at 245-310 MB RSS. Growing it by at most
// half per step keeps the peak near 190 MB for about 15% more server CPU per deployment (the bench prints
// both). --optimize-for-size, as the runner has, brought it to 125-155 MB but doubled the server's CPU
// per deployment (194 against 101 ms), too dear for the process that ingests every log line.
v8.setFlagsFromString('--heap-growing-percent=50');

/** `npm start`: load the config once, bring the server up, listen, and stop cleanly on a signal. */
async function main(): Promise<void> {
  const config = loadConfig();
  const server = await createServer(config, { logger: true });
  let stopping: Promise<void> | null = null;
  let localRunner: Awaited<ReturnType<typeof startLocalRunner>> = null;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      // Ctrl-C reaches the embedded PostgreSQL too, which ends every session at once: expected now.
      server.ctx.jobs.beginStop();
      server.app.log.info(`${signal} received, stopping`);
      await localRunner?.stop();
      await server.stop();
      process.exit(0);
    })().catch((error: unknown) => {
      console.error('stopping failed:', error);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  startIdleCollector();
  try {
    await server.app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await server.stop();
    throw error;
  }
  localRunner = await startLocalRunner(server);
  announce(server);
}

function databaseLine(server: RunningServer): string {
  const cluster = server.embeddedCluster;
  if (!cluster) return 'external PostgreSQL';
  const where = `embedded PostgreSQL in ${cluster.dir}`;
  return cluster.movedBecause ? `${where} (${cluster.movedBecause})` : where;
}

function announce(server: RunningServer): void {
  const url = server.ctx.publicUrl;
  const lines = [
    '',
    `Polytene is running at ${url}`,
    `  database: ${databaseLine(server)}`,
    `  API documentation: ${url}/api/docs`,
  ];
  if (server.createdDefaultAdmin) {
    lines.push(
      `  first login: ${DEFAULT_ADMIN.login} / ${DEFAULT_ADMIN.password} (you will be asked to change it)`,
    );
  }
  lines.push('Press Ctrl-C to stop.', '');
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(`Polytene could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
