#!/usr/bin/env node
import { exitFor, program } from './cli.js';
import { EXIT } from './errors.js';

/** Exits once stdout has taken everything written (a pipe to a slow reader may still hold some). */
const exit = (code: number) => process.stdout.write('', () => process.exit(code));

// `polytene logs 7 | head`: a reader that went away is no error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));

let exitCode: number = EXIT.ok;
program((code) => (exitCode = code))
  .parseAsync(process.argv)
  .then(
    () => exit(exitCode),
    (error: unknown) => exit(exitFor(error, (line) => process.stderr.write(`${line}\n`))),
  );
