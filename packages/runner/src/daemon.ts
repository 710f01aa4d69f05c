import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sleep } from './client.js';

/** The pid in the pid file when that process is alive, else null (a stale file is removed). */
export function runningPid(pidFile: string): number | null {
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
  rmSync(pidFile, { force: true });
  return null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writePidFile(pidFile: string): void {
  mkdirSync(path.dirname(pidFile), { recursive: true });
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o644 });
}

export function removePidFile(pidFile: string): void {
  try {
    if (Number(readFileSync(pidFile, 'utf8').trim()) === process.pid) rmSync(pidFile, { force: true });
  } catch {
    // already gone
  }
}

export interface DetachResult {
  pid: number;
  /** null while it runs; its exit code when it stopped during start-up. */
  exitCode: number | null;
}

/**
 * Starts `node <this cli> start <args>` in the background with its output appended to the log file, and
 * waits until it wrote its pid file (it is up) or exited (it failed; the reason is in the log).
 */
export async function startDetached(
  args: string[],
  pidFile: string,
  logFile: string,
  waitMs: number,
): Promise<DetachResult> {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const out = openSync(logFile, 'a', 0o640);
  const child = spawn(process.execPath, [process.argv[1] ?? '', 'start', ...args], {
    detached: true,
    stdio: ['ignore', out, out],
    env: process.env,
  });
  closeSync(out);
  let exitCode: number | null = null;
  child.on('exit', (code) => (exitCode = code ?? 1));
  child.unref();
  const pid = child.pid ?? -1;
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && exitCode === null) {
    if (runningPid(pidFile) === pid) return { pid, exitCode: null };
    await sleep(100);
  }
  return { pid, exitCode: exitCode ?? (isAlive(pid) ? null : 1) };
}

/** SIGTERM, then wait for the process to end. */
export async function stopProcess(pid: number, waitMs: number): Promise<boolean> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return true;
  }
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}

/** The last non-empty line of a file (why a detached start failed). */
export function lastLine(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    return lines[lines.length - 1] ?? '';
  } catch {
    return '';
  }
}
