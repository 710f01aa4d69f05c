import { spawn } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { binaryPath, type PostgresBinaries } from './postgres-binaries.js';

/** The OS user PostgreSQL runs as; null: as this process's own user. */
export type PostgresOwner = { uid: number; gid: number } | null;

export interface Postmaster {
  /** Fast shutdown (SIGINT), resolved when the postmaster has exited. */
  stop(): Promise<void>;
}

/** Messages in English whatever the machine's locale: readiness is recognised by its message. */
const MESSAGES_LOCALE = 'C';
const READY = 'database system is ready to accept connections';

function environmentIsUtf8(): boolean {
  const locale = process.env.LC_ALL || process.env.LC_CTYPE || process.env.LANG || '';
  return /utf-?8/i.test(locale);
}

function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}

function spawnAs(owner: PostgresOwner, file: string, args: string[]) {
  return spawn(file, args, {
    ...(owner ?? {}),
    env: { ...process.env, LC_MESSAGES: MESSAGES_LOCALE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `initdb` a new cluster in `clusterDir` (missing or empty) with the superuser `postgres`. */
export async function initCluster(
  binaries: PostgresBinaries,
  clusterDir: string,
  password: string,
  owner: PostgresOwner,
): Promise<void> {
  const passwordDir = await mkdtemp(path.join(os.tmpdir(), 'polytene-initdb-'));
  const passwordFile = path.join(passwordDir, 'password');
  try {
    await writeFile(passwordFile, password + '\n', { mode: 0o600 });
    if (owner) {
      await chown(passwordDir, owner.uid, owner.gid);
      await chown(passwordFile, owner.uid, owner.gid);
    }
    const initdb = binaryPath(binaries, 'initdb');
    await new Promise<void>((resolve, reject) => {
      const child = spawnAs(owner, initdb, [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        `--lc-messages=${MESSAGES_LOCALE}`,
        // UTF-8 always: in a container without LANG, initdb would otherwise make a SQL_ASCII database.
        '--encoding=UTF8',
        ...(environmentIsUtf8() ? [] : ['--locale=C']),
      ]);
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', (error) => reject(new Error(`cannot run ${initdb}: ${error.message}`)));
      child.on('close', (code) => {
        if (code === 0) resolve();
        else reject(new Error(`initdb of ${clusterDir} failed (exit ${code}): ${lastLines(output)}`));
      });
    });
  } finally {
    await rm(passwordDir, { recursive: true, force: true });
  }
}

/** Starts `postgres -D clusterDir` and resolves once it accepts connections. */
export function startPostmaster(
  binaries: PostgresBinaries,
  clusterDir: string,
  port: number,
  flags: string[],
  owner: PostgresOwner,
  log: (message: string) => void,
): Promise<Postmaster> {
  const postgres = binaryPath(binaries, 'postgres');
  const child = spawnAs(owner, postgres, [
    '-D',
    clusterDir,
    '-p',
    String(port),
    '-c',
    `lc_messages=${MESSAGES_LOCALE}`,
    ...flags,
  ]);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const postmaster: Postmaster = {
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    let startup: string | null = '';
    child.stdout.on('data', (chunk: Buffer) => log(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      log(text);
      if (startup === null) return;
      startup += text;
      if (!startup.includes(READY)) return;
      startup = null;
      resolve(postmaster);
    });
    child.on('error', (error) => reject(new Error(`cannot run ${postgres}: ${error.message}`)));
    void exited.then(() =>
      reject(new Error(`PostgreSQL in ${clusterDir} stopped while starting: ${lastLines(startup ?? '')}`)),
    );
  });
}
