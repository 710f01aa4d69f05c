import { describe, expect, it } from 'vitest';
import { LogBuffer, rowOfLine, type LogLineData } from './buffer';
import { stripAnsi } from './ansi';

const line = (n: number, stream: LogLineData['stream'] = 'stdout', text = `line ${n}`): LogLineData => ({
  n,
  stream,
  t: '2024-05-01T10:00:00.000Z',
  text,
});

describe('LogBuffer', () => {
  it('stores lines by number, whatever order they arrive in', () => {
    const buffer = new LogBuffer();
    buffer.add([line(3), line(1)]);
    expect(buffer.size).toBe(3);
    expect(buffer.loaded).toBe(2);
    expect(buffer.line(2)).toBeNull();
    expect(buffer.firstHole()).toBe(2);
    buffer.add([line(2)]);
    expect(buffer.firstHole()).toBeNull();
    expect(buffer.line(2)).toEqual(line(2));
  });

  it('ignores a line delivered twice (history and live stream overlap)', () => {
    const buffer = new LogBuffer();
    expect(buffer.add([line(1), line(2)])).toBe(2);
    expect(buffer.add([line(2), line(3)])).toBe(1);
    expect(buffer.loaded).toBe(3);
  });

  it('announces the size before lines are loaded, so the tail can be shown first', () => {
    const buffer = new LogBuffer();
    buffer.announce(1_000_000);
    buffer.add([line(1_000_000, 'stdout', 'last')]);
    expect(buffer.size).toBe(1_000_000);
    expect(buffer.line(1_000_000)?.text).toBe('last');
    expect(buffer.has(999_999)).toBe(false);
  });

  it('filters by stream, keeping system lines in both views', () => {
    const buffer = new LogBuffer();
    buffer.add([line(1, 'system'), line(2, 'stdout'), line(3, 'stderr'), line(4, 'stdout')]);
    expect(buffer.rows('all')).toBeNull();
    expect([...(buffer.rows('stdout') ?? [])]).toEqual([1, 2, 4]);
    expect([...(buffer.rows('stderr') ?? [])]).toEqual([1, 3]);
  });

  it('recomputes a filter when lines arrive', () => {
    const buffer = new LogBuffer();
    buffer.add([line(1, 'stderr')]);
    expect(buffer.rows('stderr')?.length).toBe(1);
    buffer.add([line(2, 'stderr')]);
    expect(buffer.rows('stderr')?.length).toBe(2);
  });

  it('searches case-insensitively, ignoring colour codes', () => {
    const buffer = new LogBuffer();
    buffer.add([
      line(1, 'stdout', 'Build OK'),
      line(2, 'stderr', '\x1b[31mERROR\x1b[0m: disk'),
      line(3, 'stdout', 'err'),
    ]);
    expect(buffer.search('error', 'all', stripAnsi)).toEqual([2]);
    expect(buffer.search('ERR', 'stdout', stripAnsi)).toEqual([3]);
    expect(buffer.search('', 'all', stripAnsi)).toEqual([]);
  });

  it('holds a million lines', () => {
    const buffer = new LogBuffer();
    const batch: LogLineData[] = [];
    for (let n = 1; n <= 1_000_000; n++) batch.push(line(n, n % 10 === 0 ? 'stderr' : 'stdout'));
    buffer.add(batch);
    expect(buffer.size).toBe(1_000_000);
    expect(buffer.rows('stderr')?.length).toBe(100_000);
  });
});

describe('rowOfLine', () => {
  it('finds a line among filtered rows, or -1', () => {
    const rows = Int32Array.from([2, 5, 9, 14]);
    expect(rowOfLine(rows, 9)).toBe(2);
    expect(rowOfLine(rows, 3)).toBe(-1);
    expect(rowOfLine(null, 7)).toBe(6);
  });
});
