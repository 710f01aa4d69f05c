#!/usr/bin/env node
import { exitFor, program } from './cli.js';
import { EXIT } from './errors.js';

/** Exits once stdout has taken everything written (a pipe to a slow reader may still hold some). */
const exit = (code: number) => process.stdout.write('', () => process.exit(code));

let exitCode: number = EXIT.ok;
program((code) => (exitCode = code))
  .parseAsync(process.argv)
  .then(
    () => exit(exitCode),
    (error: unknown) => exit(exitFor(error, (line) => process.stderr.write(`${line}\n`))),
  );
