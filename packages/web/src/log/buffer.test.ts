import { describe, expect, it } from 'vitest';
import { LogBuffer, WINDOW, rowOfLine, windowOf, type LogLineData } from './buffer';

const line = (n: number, stream: LogLineData['stream'] = 'stdout', text = `line ${n}`): LogLineData => ({
  n,
  stream,
  t: '2024-05-01T10:00:00.000Z',
  text,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => line(from + i));

describe('LogBuffer', () => {
  it('stores lines by number, whatever order they arrive in', () => {
    const buffer = new LogBuffer();
    buffer.add([line(3), line(1)]);
    expect(buffer.size).toBe(3);
    expect(buffer.loaded).toBe(2);
    expect(buffer.line(2)).toBeNull();
    buffer.add([line(2)]);
    expect(buffer.line(2)).toEqual(line(2));
  });

  it('ignores a line delivered twice (a window read and the live stream overlap)', () => {
    const buffer = new LogBuffer();
    expect(buffer.add([line(1), line(2)])).toBe(2);
    expect(buffer.add([line(2), line(3)])).toBe(1);
    expect(buffer.loaded).toBe(3);
  });

  it('knows a million-line log by its size while holding none of it', () => {
    const buffer = new LogBuffer();
    buffer.announce(1_000_000);
    expect(buffer.size).toBe(1_000_000);
    expect(buffer.windowCount).toBe(0);
    expect(buffer.has(500_000)).toBe(false);
    expect(buffer.missing(499_990, 500_010)).toEqual([windowOf(499_990), windowOf(500_010)]);
  });

  it('asks for the windows of the shown lines that were not read whole, also those only streamed live', () => {
    const buffer = new LogBuffer();
    buffer.announce(3 * WINDOW);
    buffer.addWindow(0, range(1, WINDOW));
    buffer.add([line(WINDOW + 5)]);
    expect(buffer.missing(1, 3 * WINDOW)).toEqual([1, 2]);
    buffer.addWindow(1, range(WINDOW + 1, 2 * WINDOW + 3));
    // lines of the next window in the page do not make that window complete
    expect(buffer.has(2 * WINDOW + 1)).toBe(false);
    expect(buffer.missing(1, 3 * WINDOW)).toEqual([2]);
    buffer.unfetchFrom(1);
    expect(buffer.missing(1, 3 * WINDOW)).toEqual([1, 2]);
    expect(buffer.line(WINDOW + 5)).toEqual(line(WINDOW + 5));
  });

  it('keeps at most maxWindows windows, evicting the least recently shown but never the shown ones', () => {
    const buffer = new LogBuffer(3);
    buffer.announce(10 * WINDOW);
    for (const w of [0, 1, 2]) buffer.addWindow(w, range(w * WINDOW + 1, (w + 1) * WINDOW));
    buffer.show(1, 10); // window 0 shown again: window 1 is now the oldest
    buffer.addWindow(7, range(7 * WINDOW + 1, 8 * WINDOW));
    buffer.show(7 * WINDOW + 1, 7 * WINDOW + 40);
    expect(buffer.windowCount).toBe(3);
    expect(buffer.has(1)).toBe(true);
    expect(buffer.has(WINDOW + 1)).toBe(false);
    expect(buffer.has(2 * WINDOW + 1)).toBe(true);
    expect(buffer.has(7 * WINDOW + 1)).toBe(true);
    // showing lines across two windows while a third one is also in use evicts only outside the range
    buffer.addWindow(8, range(8 * WINDOW + 1, 9 * WINDOW));
    buffer.show(7 * WINDOW + 990, 8 * WINDOW + 20);
    expect(buffer.windowCount).toBe(3);
    expect(buffer.has(7 * WINDOW + 1) && buffer.has(8 * WINDOW + 1)).toBe(true);
    expect(buffer.missing(1, 2 * WINDOW)).toEqual([1]);
  });

  it('holds what a screen needs of a million-line log scrolled end to end, not the log', () => {
    const buffer = new LogBuffer();
    buffer.announce(1_000_000);
    for (let w = 0; w < 1_000_000 / WINDOW; w++) {
      buffer.addWindow(w, range(w * WINDOW + 1, (w + 1) * WINDOW));
      buffer.show(w * WINDOW + 1, w * WINDOW + 50);
    }
    expect(buffer.windowCount).toBe(buffer.maxWindows);
    expect(buffer.loaded).toBe(buffer.maxWindows * WINDOW);
    expect(buffer.has(1_000_000)).toBe(true);
    expect(buffer.has(1)).toBe(false);
  });

  it('filters by stream, keeping system lines in both views, once the whole log is held', () => {
    const buffer = new LogBuffer();
    buffer.add([line(1, 'system'), line(2, 'stdout'), line(3, 'stderr'), line(4, 'stdout')]);
    // only streamed, not read: not known to be whole, so not filtered (the view dims instead)
    expect(buffer.rows('stdout')).toBeNull();
    buffer.addWindow(0, []);
    expect(buffer.complete).toBe(true);
    expect(buffer.rows('all')).toBeNull();
    expect([...(buffer.rows('stdout') ?? [])]).toEqual([1, 2, 4]);
    expect([...(buffer.rows('stderr') ?? [])]).toEqual([1, 3]);
    buffer.add([line(5, 'stderr')]);
    expect(buffer.rows('stderr')?.length).toBe(3);
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
