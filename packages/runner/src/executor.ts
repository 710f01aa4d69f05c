import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

export type OutputStream = 'stdout' | 'stderr';

export interface ExecuteOptions {
  script: string;
  /** Where the script is written before bash runs it (removed afterwards). */
  scriptFile: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called with each complete line, in the order the lines are read. */
  onLine: (stream: OutputStream, text: string) => void;
  /** Time between SIGTERM and SIGKILL when the script is stopped. */
  killGraceMs: number;
}

export interface ExecutionResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface Execution {
  done: Promise<ExecutionResult>;
  /** SIGTERM to the whole process group, SIGKILL after the grace period. */
  stop(): void;
  /** Stop reading output (the script blocks once the pipes are full); used as back-pressure. */
  pause(): void;
  resume(): void;
}

/**
 * `exec 19>&1` keeps a copy of the script's original stdout for the trace, so each command is echoed
 * (`+ command`) into the same pipe as its output, also from inside `$(...)`. The script itself is the
 * file in "$1", never part of this command line.
 */
const LAUNCHER = 'exec 19>&1; BASH_XTRACEFD=19 exec bash --noprofile --norc -e -o pipefail -x "$1"';

/** Longest run of output without a newline kept in memory before it is passed on as a line. */
const MAX_PENDING_LINE_CHARS = 1024 * 1024;

/** How long to keep reading after the script exited, for output still in the pipes. */
const DRAIN_AFTER_EXIT_MS = 2_000;

/**
 * Runs a deployment script with bash in its own process group: stops at the first failing command
 * (`-e -o pipefail`), echoes each command before it runs (`-x`), and reports output line by line.
 */
export async function execute(options: ExecuteOptions): Promise<Execution> {
  await writeFile(
    options.scriptFile,
    options.script.endsWith('\n') ? options.script : `${options.script}\n`,
    {
      mode: 0o600,
    },
  );
  const child = spawn(
    'bash',
    ['--noprofile', '--norc', '-c', LAUNCHER, 'polytene-script', options.scriptFile],
    {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  const streams: [OutputStream, Readable][] = [
    ['stdout', child.stdout],
    ['stderr', child.stderr],
  ];
  const ended = streams.map(([name, stream]) => readLines(stream, (text) => options.onLine(name, text)));

  let killTimer: NodeJS.Timeout | null = null;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    signalGroup('SIGTERM');
    killTimer = setTimeout(() => signalGroup('SIGKILL'), options.killGraceMs);
    killTimer.unref();
  };

  const done = new Promise<ExecutionResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (exitCode, signal) => {
      const drained = Promise.all(ended);
      const timer = setTimeout(() => {
        for (const [, stream] of streams) stream.destroy();
      }, DRAIN_AFTER_EXIT_MS);
      void drained.finally(async () => {
        clearTimeout(timer);
        if (stopped) {
          if (killTimer) clearTimeout(killTimer);
          signalGroup('SIGKILL');
        }
        await rm(options.scriptFile, { force: true });
        resolve({ exitCode, signal });
      });
    });
  });

  return {
    done,
    stop,
    pause: () => streams.forEach(([, s]) => s.pause()),
    resume: () => streams.forEach(([, s]) => s.resume()),
  };
}

/** Splits a byte stream into UTF-8 lines (without the newline or a trailing CR); resolves at its end. */
function readLines(stream: Readable, onLine: (text: string) => void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const emit = (line: string) => onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  const take = (text: string) => {
    pending += text;
    let start = 0;
    for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n', start)) {
      emit(pending.slice(start, newline));
      start = newline + 1;
    }
    pending = pending.slice(start);
    while (pending.length > MAX_PENDING_LINE_CHARS) {
      emit(pending.slice(0, MAX_PENDING_LINE_CHARS));
      pending = pending.slice(MAX_PENDING_LINE_CHARS);
    }
  };
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => take(decoder.write(chunk)));
    const finish = () => {
      take(decoder.end());
      if (pending.length > 0) emit(pending);
      pending = '';
      resolve();
    };
    stream.on('end', finish);
    stream.on('close', () => {
      if (pending.length > 0 || !stream.readableEnded) finish();
    });
    stream.on('error', () => undefined);
  });
}
