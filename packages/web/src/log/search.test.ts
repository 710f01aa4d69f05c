import { describe, expect, it } from 'vitest';
import { lineOfHash } from './search';

describe('lineOfHash', () => {
  it('reads the line of a #L<n> link and nothing else', () => {
    expect(lineOfHash('#L161')).toBe(161);
    expect(lineOfHash('#L1000000')).toBe(1_000_000);
    for (const hash of ['', '#L', '#L0', '#L-3', '#l161', '#L16x', '#L12345678901', '#top'])
      expect(lineOfHash(hash), hash).toBeNull();
  });
});
