import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isValidSha, refNameProblem, shortRef } from './refs.js';

function gitAccepts(name: string): boolean {
  try {
    execFileSync('git', ['check-ref-format', '--branch', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const samples = [
  'main',
  'feature/login',
  'release-1.2',
  'v1.0.0',
  'a/b/c',
  'with space',
  'bad..dots',
  'ends.',
  '.hidden',
  'dir/.hidden',
  'x.lock',
  'a//b',
  '/lead',
  'trail/',
  'tilde~1',
  'caret^',
  'colon:x',
  'q?',
  'star*',
  'br[acket',
  'back\\slash',
  'at@{1}',
  '-dash',
  '$(rm -rf /)',
  'semi;colon',
  "quote'd",
  'ünïcode',
];

describe('ref names', () => {
  for (const name of samples) {
    it(`agrees with git check-ref-format on ${JSON.stringify(name)}`, () => {
      expect(refNameProblem(name) === null).toBe(gitAccepts(name));
    });
  }

  it('refuses "@", which git check-ref-format --branch reads as HEAD', () => {
    expect(refNameProblem('@')).not.toBeNull();
  });

  it('accepts only full lowercase hex commit ids', () => {
    expect(isValidSha('a'.repeat(40))).toBe(true);
    expect(isValidSha('a'.repeat(64))).toBe(true);
    expect(isValidSha('A'.repeat(40))).toBe(false);
    expect(isValidSha('abc123')).toBe(false);
    expect(isValidSha(`${'a'.repeat(40)};ls`)).toBe(false);
  });

  it('shortens refs/heads and refs/tags', () => {
    expect(shortRef('refs/heads/main')).toBe('main');
    expect(shortRef('refs/tags/v1')).toBe('v1');
    expect(shortRef('main')).toBe('main');
  });
});
