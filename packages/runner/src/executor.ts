import { spawn, type ChildProcess } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import net from 'node:net';
import type { Masker } from './masking.js';
import { openOutputPipes } from './output-pipes.js';

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
  const pipes = await openOutputPipes(options.scriptFile);
  let child: ChildProcess;
  try {
    child = spawn('bash', ['--noprofile', '--norc', '-c', LAUNCHER, 'polytene-script', options.scriptFile], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', pipes.stdoutFd, pipes.stderrFd],
      detached: true,
    });
  } finally {
    // The child has its own copies; the runner keeps only the read ends, so they end when the script
    // and everything it started have closed their output.
    pipes.closeWriteEnds();
  }
  const maxLineChars = options.maxLineChars ?? MAX_PENDING_LINE_CHARS;
  const readers = (
    [
      ['stdout', pipes.stdoutReadFd],
      ['stderr', pipes.stderrReadFd],
    ] as const
  ).map(([name, fd]) => readLines(fd, (text) => options.onLine(name, text), maxLineChars, options.masker));

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
      const drained = Promise.all(readers.map((r) => r.ended));
      const timer = setTimeout(() => {
        for (const reader of readers) reader.destroy();
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
    pause: () => readers.forEach((r) => r.hold(true)),
    resume: () => readers.forEach((r) => r.hold(false)),
  };
}

/** While output flows faster than one read per FAST_READ_MS, reading waits BURST_WAIT_MS between reads. */
const FAST_READ_MS = 2;
const BURST_WAIT_MS = 2;
/** A read this large means the pipe was full: read again at once. */
const FULL_PIPE_BYTES = 64 * 1024;

/** Node takes `onread` in the Socket constructor too (read into one buffer, no 'data' events); its types
 * list it only for connect(). */
interface SocketWithOnRead extends net.SocketConstructorOpts {
  onread: net.OnReadOpts;
}

interface LineReader {
  /** Resolves at the end of the output (every writer closed it) or when destroyed. */
  ended: Promise<void>;
  /** Holds reading (the script blocks once the pipe is full), or lets it go on. */
  hold(held: boolean): void;
  destroy(): void;
}

/**
 * Splits the output read from `fd` into UTF-8 lines (without the newline or a trailing CR).
 * A script printing line by line makes one small write per line; reading each on its own costs the
 * runner a system call and a callback per line. So while output flows fast, reading pauses for a
 * moment after each read and the next read takes everything written meanwhile (measured on 1,000,000
 * lines: 2.2 s of runner CPU for reading became 0.2 s). Sparse output is read the moment it comes.
 * A run longer than `maxChars` without a newline is passed on in pieces; with a masker, the pieces are
 * masked and a cut keeps the last `longest - 1` chars back, so a secret arriving in several reads is never
 * split across two pieces (where masking each piece would miss it).
 */
function readLines(
  fd: number,
  onLine: (text: string) => void,
  maxChars: number,
  masker: Masker | undefined,
): LineReader {
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

  let held = false;
  let waiting = false;
  let lastReadAt = -Infinity;
  const socket: net.Socket = new net.Socket(<SocketWithOnRead>{
    fd,
    readable: true,
    writable: false,
    onread: {
      buffer: Buffer.allocUnsafe(2 * FULL_PIPE_BYTES),
      callback: (bytes: number, buffer: Uint8Array): boolean => {
        take(decoder.write(Buffer.from(buffer.buffer, buffer.byteOffset, bytes)));
        const now = performance.now();
        if (bytes < FULL_PIPE_BYTES && now - lastReadAt < FAST_READ_MS && !waiting) {
          waiting = true;
          socket.pause();
          setTimeout(() => {
            waiting = false;
            if (!held) socket.resume();
          }, BURST_WAIT_MS);
        }
        lastReadAt = now;
        return true;
      },
    },
  });
  const ended = new Promise<void>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      take(decoder.end());
      if (pending.length > 0) emit(pending);
      pending = '';
      resolve();
    };
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', () => undefined);
  });
  return {
    ended,
    hold: (value) => {
      held = value;
      if (value) socket.pause();
      else if (!waiting) socket.resume();
    },
    destroy: () => socket.destroy(),
  };
}
