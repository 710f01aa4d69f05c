import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import type { HelloRequest } from '@polytene/protocol';
import { createRequire } from 'node:module';

const run = promisify(execFile);

/** Set by the bundler (rolldown.config.mjs), so the one-file runner needs no package.json beside it. */
declare const __POLYTENE_RUNNER_VERSION__: string | undefined;

export const RUNNER_VERSION: string =
  typeof __POLYTENE_RUNNER_VERSION__ === 'string'
    ? __POLYTENE_RUNNER_VERSION__
    : (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** The public half of the runner's SSH key: `<key>.pub` when present, else derived with `ssh-keygen -y`. */
export async function readPublicKey(privateKey: string | undefined): Promise<string | null> {
  if (!privateKey) return null;
  const pub = `${privateKey}.pub`;
  if (existsSync(pub)) return (await readFile(pub, 'utf8')).trim();
  const { stdout } = await run('ssh-keygen', ['-y', '-f', privateKey], { timeout: 10_000 });
  return stdout.trim();
}

/** Changes whenever the key files are replaced or edited; compared before each poll. */
export async function keyFingerprintOfFiles(privateKey: string | undefined): Promise<string> {
  if (!privateKey) return 'none';
  const parts: string[] = [];
  for (const file of [privateKey, `${privateKey}.pub`]) {
    try {
      const info = await stat(file);
      parts.push(`${info.ino}:${info.size}:${info.mtimeMs}`);
    } catch {
      parts.push('missing');
    }
  }
  return parts.join('|');
}

export async function helloRequest(
  privateKey: string | undefined,
  concurrency: number,
): Promise<HelloRequest> {
  return {
    version: RUNNER_VERSION,
    hostname: os.hostname().slice(0, 255) || 'unknown',
    public_key: await readPublicKey(privateKey),
    concurrency,
  };
}
