import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SERVER_MAIN = path.join(ROOT, 'packages/server/dist/main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(full).mtimeMs);
    }
  }
  return newest;
}

function isStale(pkg: string): boolean {
  const buildInfo = path.join(ROOT, 'packages', pkg, 'tsconfig.tsbuildinfo');
  if (!existsSync(buildInfo)) return true;
  return newestSource(path.join(ROOT, 'packages', pkg, 'src')) > statSync(buildInfo).mtimeMs;
}

/**
 * Builds the server (and the protocol it uses) when its sources are newer than the last build, under a
 * file lock so test files starting at once build only once.
 */
export function ensureServerBuilt(): void {
  if (!isStale('server') && !isStale('protocol') && existsSync(SERVER_MAIN)) return;
  try {
    execFileSync('flock', ['/tmp/polytene-e2e-build.lock', 'npx', 'tsc', '-b', 'packages/server'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  } catch (error) {
    // Type errors still emit JavaScript; only a missing build is fatal.
    if (!existsSync(SERVER_MAIN)) throw error;
  }
}
