import { execFile } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The script's stdout and stderr: write ends for the child, non-blocking read ends for the runner. */
export interface OutputPipes {
  /** Give these to spawn() as the child's fds 1 and 2; call closeWriteEnds() right after. */
  stdoutFd: number;
  stderrFd: number;
  stdoutReadFd: number;
  stderrReadFd: number;
  closeWriteEnds(): void;
}

/**
 * Kernel pipes (named, then unlinked) for the script's output, instead of the socket pairs Node gives a
 * child for `stdio: 'pipe'`. A script printing line by line makes one write per line; into a Unix socket
 * each write costs a socket buffer of its own, into a pipe small writes share pages. With a pipe the
 * script runs as fast as with its output going into a file (measured: 1,000,000 `echo`s in 4.5 s into a
 * pipe, 5.5 s into a socket pair, 4.6 s into a file).
 */
export async function openOutputPipes(base: string): Promise<OutputPipes> {
  const paths = [`${base}.stdout`, `${base}.stderr`];
  await rm(paths[0]!, { force: true });
  await rm(paths[1]!, { force: true });
  await run('mkfifo', ['-m', '600', ...paths]);
  const fds: number[] = [];
  try {
    // The read end first, non-blocking (no writer yet), then the write end (a reader exists: no wait).
    for (const p of paths) {
      fds.push(openSync(p, constants.O_RDONLY | constants.O_NONBLOCK));
      fds.push(openSync(p, constants.O_WRONLY));
    }
  } catch (error) {
    for (const fd of fds) closeSync(fd);
    throw error;
  } finally {
    await Promise.all(paths.map((p) => rm(p, { force: true })));
  }
  const [outRead, outWrite, errRead, errWrite] = fds as [number, number, number, number];
  let writeEndsOpen = true;
  return {
    stdoutFd: outWrite,
    stderrFd: errWrite,
    stdoutReadFd: outRead,
    stderrReadFd: errRead,
    closeWriteEnds: () => {
      if (!writeEndsOpen) return;
      writeEndsOpen = false;
      closeSync(outWrite);
      closeSync(errWrite);
    },
  };
}
