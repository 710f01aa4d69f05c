import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const GITLAB = path.join(SRC, 'gitlab') + path.sep;
/** The one place a forge is registered may import its implementation. */
const REGISTRY = path.join(SRC, 'forges', 'forge.ts');
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

/** Files outside gitlab/ (and the registry) that import from gitlab/, with what they import. */
function gitlabImports(files: string[], allowed = [REGISTRY]): string[] {
  return files.flatMap((file) => {
    if (file.startsWith(GITLAB) || allowed.includes(file)) return [];
    return [...readFileSync(file, 'utf8').matchAll(IMPORT)]
      .filter((m) => path.resolve(path.dirname(file), m[1]!).startsWith(GITLAB))
      .map((m) => `${path.relative(SRC, file)} imports ${m[1]}`);
  });
}

describe('the forge seam', () => {
  it('projects/ and runners/ reach GitLab only through forges/', () => {
    const files = ['projects', 'runners'].flatMap((dir) => sourceFiles(path.join(SRC, dir)));
    expect(files.length).toBeGreaterThan(4);
    expect(gitlabImports(files)).toEqual([]);
  });

  it('no server module outside gitlab/ imports it, but the registry in forges/forge.ts', () => {
    expect(gitlabImports(sourceFiles(SRC))).toEqual([]);
  });

  it('sees the imports it looks for', () => {
    expect(gitlabImports([REGISTRY], [])).toEqual(['forges/forge.ts imports ../gitlab/forge.js']);
  });
});
