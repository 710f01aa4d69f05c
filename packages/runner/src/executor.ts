import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import type { Masker } from './masking.js';

export type OutputStream = 'stdout' | 'stderr';

export interface ExecuteOptions {
  script: string;
  /** Where the script is written before bash runs it (removed afterwards). */
  scriptFile: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called with each complete line (masked when a masker is given), in the order the lines are read. */
  onLine: (stream: OutputStream, text: string) => void;
  /**
   * Masks secrets in every line passed on. Output without a newline is cut into pieces before it is
   * complete, so masking has to happen here, where a secret still arriving can be kept out of a cut.
   */
  masker?: Masker;
  /** Longest run of output without a newline kept in memory before it is passed on (default 1 MiB). */
  maxLineChars?: number;
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
  const maxLineChars = options.maxLineChars ?? MAX_PENDING_LINE_CHARS;
  const ended = streams.map(([name, stream]) =>
    readLines(stream, (text) => options.onLine(name, text), maxLineChars, options.masker),
  );

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

/**
 * Splits a byte stream into UTF-8 lines (without the newline or a trailing CR); resolves at its end.
 * A run longer than `maxChars` without a newline is passed on in pieces; with a masker, the pieces are
 * masked and a cut keeps the last `longest - 1` chars back, so a secret arriving in several reads is never
 * split across two pieces (where masking each piece would miss it).
 */
function readLines(
  stream: Readable,
  onLine: (text: string) => void,
  maxChars: number,
  masker: Masker | undefined,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const keepBack = masker ? Math.min(Math.max(masker.longest - 1, 0), Math.floor(maxChars / 2)) : 0;
  const emit = (line: string) => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    onLine(masker ? masker.mask(text) : text);
  };
  const take = (text: string) => {
    pending += text;
    let start = 0;
    for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n', start)) {
      emit(pending.slice(start, newline));
      start = newline + 1;
    }
    pending = start === 0 ? pending : pending.slice(start);
    while (pending.length > maxChars) {
      if (masker) pending = masker.mask(pending);
      const cut = Math.min(maxChars, pending.length - keepBack);
      onLine(pending.slice(0, cut));
      pending = pending.slice(cut);
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
