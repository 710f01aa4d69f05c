import { describe, expect, it } from 'vitest';
import type { LogSectionView } from '@polytene/protocol';
import { RowMap, coversLines, hiddenRanges, sectionMarker, sectionsHolding, visibleRuns } from './sections';
import { LogBuffer, WINDOW } from './buffer';

const section = (start_line: number, end_line: number | null, depth = 0): LogSectionView => ({
  name: `s${start_line}`,
  header: `S${start_line}`,
  start_line,
  end_line,
  started_at: '2026-01-01T00:00:00.000Z',
  ended_at: end_line === null ? null : '2026-01-01T00:00:05.000Z',
  duration_seconds: end_line === null ? null : 5,
  depth,
  collapsed: false,
});

describe('hiddenRanges', () => {
  it('hides the end marker of every section, and the body of a collapsed one', () => {
    const sections = [section(2, 10), section(4, 6, 1), section(12, null)];
    expect(hiddenRanges(sections, new Set(), 20)).toEqual([
      [6, 6],
      [10, 10],
    ]);
    expect(hiddenRanges(sections, new Set([2]), 20)).toEqual([[3, 10]]);
    expect(hiddenRanges(sections, new Set([4, 12]), 20)).toEqual([
      [5, 6],
      [10, 10],
      [13, 20],
    ]);
  });
});

describe('RowMap', () => {
  it('maps rows to lines and back around hidden ranges', () => {
    const map = new RowMap(
      [
        [3, 5],
        [8, 8],
      ],
      10,
    );
    expect(map.count).toBe(6);
    expect(Array.from({ length: map.count }, (_, r) => map.lineAt(r))).toEqual([1, 2, 6, 7, 9, 10]);
    expect([1, 2, 3, 5, 6, 7, 8, 9, 10].map((n) => map.rowOf(n))).toEqual([0, 1, -1, -1, 2, 3, -1, 4, 5]);
    expect(map.isHidden(4)).toBe(true);
    expect(map.isHidden(6)).toBe(false);
    expect(map.hiddenWithin(6, 10)).toEqual([[8, 8]]);
  });

  it('holds a collapsed section of a million lines in constant space', () => {
    const map = new RowMap([[2, 1_000_000]], 1_000_010);
    expect(map.count).toBe(11);
    expect(map.lineAt(1)).toBe(1_000_001);
    expect(map.rowOf(1_000_010)).toBe(10);
  });

  it('drops hidden lines from the rows of a stream filter', () => {
    const map = new RowMap([[3, 4]], 6, Int32Array.from([1, 3, 4, 6]));
    expect(map.count).toBe(2);
    expect([map.lineAt(0), map.lineAt(1)]).toEqual([1, 6]);
    expect(map.rowOf(3)).toBe(-1);
  });
});

describe('the windows a view of collapsed sections reads', () => {
  it('never asks for windows only hidden lines fill', () => {
    const buffer = new LogBuffer();
    buffer.announce(100_000);
    const hidden = [[2, 99_000]] as const;
    expect(buffer.missing(1, 100_000, hidden)).toEqual([0, 99]);
    expect(coversLines(hidden, WINDOW + 1, 2 * WINDOW)).toBe(true);
    expect(visibleRuns(1, 100_000, hidden)).toEqual([
      [1, 1],
      [99_001, 100_000],
    ]);
  });
});

describe('sectionMarker and sectionsHolding', () => {
  it('recognises marker lines only', () => {
    expect(sectionMarker('\u001b[0Ksection_start:1:a\r\u001b[0KA')).toMatchObject({ kind: 'start' });
    expect(sectionMarker('::polytene-phase::x')).toBeNull();
    expect(sectionMarker('plain')).toBeNull();
  });

  it('lists the sections holding a line, not the one it heads', () => {
    const sections = [section(2, 10), section(4, 6, 1)];
    expect(sectionsHolding(sections, 5).map((s) => s.start_line)).toEqual([2, 4]);
    expect(sectionsHolding(sections, 4).map((s) => s.start_line)).toEqual([2]);
  });
});
