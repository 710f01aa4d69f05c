import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { binaryPath, packagedBinaries, reachableCopy, type PostgresBinaries } from './postgres-binaries.js';
import type { PostgresOwner } from './postgres-process.js';

const run = promisify(execFile);

/** Where root keeps what the postgres OS user must reach when the data dir or the checkout is private. */
export const ROOT_STATE_DIR = '/var/lib/polytene';

/** Where the embedded PostgreSQL runs from, where its cluster is, and as whom. */
export interface EmbeddedLayout {
  binaries: PostgresBinaries;
  clusterDir: string;
  owner: PostgresOwner;
  /** Why the cluster is not in `dataDir/postgres`, when it is not. */
  movedBecause: string | null;
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    // PostgreSQL refuses to run as root: it runs as `postgres`, created here on a fresh machine.
  }
  try {
    await run('groupadd', ['--system', '-f', 'postgres']);
    await run('useradd', [
      '--system',
      '--gid',
      'postgres',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
    return await ids();
  } catch (error) {
    throw new Error(
      `running as root, the embedded PostgreSQL must run as the OS user postgres, which could not be created (${(error as Error).message.split('\n')[0]}): create it, or run Polytene as a normal user`,
    );
  }
}

/** Whether `owner` can enter every directory down to `target` and use `target` itself (`test -x`). */
function reaches(owner: { uid: number; gid: number }, target: string): boolean {
  return (
    spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'sh', target], { ...owner, stdio: 'ignore' }).status === 0
  );
}

/** A cluster directory per data dir, on a path the postgres user can reach, remembered in the data dir. */
async function movedClusterDir(dataDir: string): Promise<string> {
  const pointer = path.join(dataDir, 'postgres-location');
  if (existsSync(pointer)) return (await readFile(pointer, 'utf8')).trim();
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  const clusterDir = path.join(ROOT_STATE_DIR, `db-${hash}`);
  await writeFile(pointer, clusterDir + '\n');
  return clusterDir;
}

/**
 * As a normal user: the binaries in node_modules and the cluster in `dataDir/postgres`, as always.
 * As root: PostgreSQL runs as `postgres`, which must reach both. When it cannot enter the checkout (say
 * /root/polytene, /root being 0700), the binaries are copied once per version to ROOT_STATE_DIR; when it
 * cannot enter the data dir, the cluster lives in ROOT_STATE_DIR/db-<hash of the data dir>, noted in
 * `dataDir/postgres-location` so a restart finds it. Secret key and password stay in the data dir.
 */
export async function embeddedLayout(dataDir: string): Promise<EmbeddedLayout> {
  const packaged = await packagedBinaries();
  if (process.getuid?.() !== 0) {
    return {
      binaries: packaged,
      clusterDir: path.resolve(dataDir, 'postgres'),
      owner: null,
      movedBecause: null,
    };
  }
  const owner = await postgresUser();
  try {
    return await rootLayout(dataDir, packaged, owner);
  } catch (error) {
    throw new Error(
      `running as root, the embedded PostgreSQL (run as the OS user postgres) needs ${ROOT_STATE_DIR} for what it cannot reach under ${path.resolve(dataDir)}, and that failed (${(error as Error).message}): make ${ROOT_STATE_DIR} writable, run Polytene as a normal user, or use an external PostgreSQL (POLYTENE_DATABASE_URL)`,
    );
  }
}

async function rootLayout(
  dataDir: string,
  packaged: PostgresBinaries,
  owner: { uid: number; gid: number },
): Promise<EmbeddedLayout> {
  const binaries = reaches(owner, binaryPath(packaged, 'postgres'))
    ? packaged
    : await reachableCopy(packaged, ROOT_STATE_DIR);
  const pointer = path.join(dataDir, 'postgres-location');
  if (!existsSync(pointer) && reaches(owner, path.dirname(path.resolve(dataDir)))) {
    await chmod(dataDir, 0o711);
    return { binaries, clusterDir: path.resolve(dataDir, 'postgres'), owner, movedBecause: null };
  }
  await mkdir(ROOT_STATE_DIR, { recursive: true });
  await chmod(ROOT_STATE_DIR, 0o755);
  return {
    binaries,
    clusterDir: await movedClusterDir(dataDir),
    owner,
    movedBecause: `the postgres OS user cannot enter ${path.resolve(dataDir)}`,
  };
}
