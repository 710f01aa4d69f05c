import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** packages/runner/dist/polytene-runner.mjs, from both src/downloads (tests) and dist/downloads. */
export const RUNNER_BUNDLE = fileURLToPath(
  new URL('../../../runner/dist/polytene-runner.mjs', import.meta.url),
);

/** The version of the runner this server offers (packages/runner/package.json, the bundle's version). */
export const OFFERED_RUNNER_VERSION: string = (
  createRequire(import.meta.url)('../../../runner/package.json') as { version: string }
).version;

export interface RunnerBundle {
  bytes: Buffer;
  sha256: string;
}

let cached: { file: string; mtimeMs: number; size: number; bundle: RunnerBundle } | null = null;

/**
 * The runner bundle this server offers for download, with its sha256; read once and again only when
 * the file changed (a rebuild). Null when the runner was not built on this server.
 */
export async function runnerBundle(file: string = RUNNER_BUNDLE): Promise<RunnerBundle | null> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return null;
  if (cached?.file === file && cached.mtimeMs === info.mtimeMs && cached.size === info.size)
    return cached.bundle;
  const bytes = await readFile(file);
  const bundle = { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  cached = { file, mtimeMs: info.mtimeMs, size: info.size, bundle };
  return bundle;
}
