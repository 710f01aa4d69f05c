import { describe, expect, it } from 'vitest';
import { SecretBox, hashToken, newToken, safeEqual } from './secrets.js';

describe('SecretBox', () => {
  it('round-trips a secret and never stores it in clear', () => {
    const box = new SecretBox('k'.repeat(40));
    const stored = box.encrypt('hunter2-value');
    expect(stored).not.toContain('hunter2');
    expect(box.decrypt(stored)).toBe('hunter2-value');
  });

  it('refuses a value encrypted with another key', () => {
    const stored = new SecretBox('a'.repeat(40)).encrypt('x');
    expect(() => new SecretBox('b'.repeat(40)).decrypt(stored)).toThrow();
  });

  it('makes prefixed tokens whose hash is stable and compares in constant time', () => {
    const token = newToken('pt');
    expect(token).toMatch(/^pt_[A-Za-z0-9_-]{32}$/);
    expect(hashToken(token)).toBe(hashToken(token));
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
