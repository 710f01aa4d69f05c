import { describe, expect, it } from 'vitest';
import { visibleText } from './search.js';

describe('visibleText', () => {
  it('drops colour codes and terminal titles, keeping the text a reader sees', () => {
    expect(visibleText('\x1b[31mERROR\x1b[0m: disk')).toBe('ERROR: disk');
    expect(visibleText('\x1b]0;title\x07done')).toBe('done');
    expect(visibleText('plain [31m')).toBe('plain [31m');
  });
});
