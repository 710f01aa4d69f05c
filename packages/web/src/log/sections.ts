/**
 * Which log lines the view shows once sections are collapsed (architecture.md §11). A collapsed section
 * hides the lines after its header up to its end marker (to the end of the log while it is open); every
 * section's end marker line is hidden too (it shows nothing). Hidden lines are kept as a few merged
 * ranges, so the row ↔ line maths is a binary search and a collapsed section of 100,000 lines costs no
 * more than one of 10: the view never asks for its lines.
 */
import type { LogSectionView } from '@polytene/protocol';
import { mayBeMarker, parseLogMarker, type LogMarker } from '@polytene/protocol/log-sections';

/** Lines `from`..`to`, both included. */
export type LineRange = readonly [from: number, to: number];

/** The hidden line ranges, sorted and merged, for a log of `size` lines. */
export function hiddenRanges(
  sections: readonly LogSectionView[],
  collapsed: ReadonlySet<number>,
  size: number,
): LineRange[] {
  const ranges: [number, number][] = [];
  for (const section of sections) {
    const end = section.end_line ?? size;
    if (collapsed.has(section.start_line)) ranges.push([section.start_line + 1, end]);
    else if (section.end_line !== null) ranges.push([section.end_line, section.end_line]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of ranges) {
    const last = merged.at(-1);
    if (to < from || from > size) continue;
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], Math.min(to, size));
    else merged.push([from, Math.min(to, size)]);
  }
  return merged;
}

/**
 * The rows shown: every line number up to `size` (or only those of `filtered`, the stream filter's rows
 * of a log held whole) without the hidden ranges.
 */
export class RowMap {
  /** Lines hidden before each range (prefix sums), for the binary searches. */
  private readonly before: number[];
  private readonly filtered: Int32Array | null;
  readonly count: number;

  constructor(
    private readonly hidden: readonly LineRange[],
    size: number,
    filtered: Int32Array | null = null,
  ) {
    this.before = [];
    let total = 0;
    for (const [from, to] of hidden) {
      this.before.push(total);
      total += to - from + 1;
    }
    this.filtered = filtered && hidden.length ? filtered.filter((n) => !this.isHidden(n)) : filtered;
    this.count = this.filtered ? this.filtered.length : Math.max(0, size - total);
  }

  /** The line number shown in row `r` (0-based). */
  lineAt(r: number): number {
    if (this.filtered) return this.filtered[r] ?? 0;
    // The last range starting at or before the line: the line is r + 1 + hidden lines before it.
    let lo = 0;
    let hi = this.hidden.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      // Row index of the first line after range mid: its start minus the lines hidden before it, minus 1.
      const rowAfter = this.hidden[mid]![0] - 1 - this.before[mid]!;
      if (rowAfter <= r) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return r + 1;
    const [from, to] = this.hidden[found]!;
    return r + 1 + this.before[found]! + (to - from + 1);
  }

  /** The row of line `n`, or -1 when it is hidden (or filtered out). */
  rowOf(n: number): number {
    if (this.filtered) {
      let lo = 0;
      let hi = this.filtered.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const value = this.filtered[mid]!;
        if (value === n) return mid;
        if (value < n) lo = mid + 1;
        else hi = mid - 1;
      }
      return -1;
    }
    const at = this.rangeAtOrBefore(n);
    if (at < 0) return n - 1;
    const [from, to] = this.hidden[at]!;
    if (n <= to) return -1;
    return n - 1 - this.before[at]! - (to - from + 1);
  }

  isHidden(n: number): boolean {
    const at = this.rangeAtOrBefore(n);
    return at >= 0 && n <= this.hidden[at]![1];
  }

  /** The hidden ranges within lines `first`..`last` (for the log controller not to read them). */
  hiddenWithin(first: number, last: number): LineRange[] {
    return this.hidden.filter(([from, to]) => to >= first && from <= last);
  }

  private rangeAtOrBefore(n: number): number {
    let lo = 0;
    let hi = this.hidden.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.hidden[mid]![0] <= n) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

/** The lines `first`..`last` without the hidden ranges, as consecutive runs. */
export function visibleRuns(first: number, last: number, hidden: readonly LineRange[]): LineRange[] {
  const runs: [number, number][] = [];
  let from = first;
  for (const [a, b] of hidden) {
    if (b < from) continue;
    if (a > last) break;
    if (a > from) runs.push([from, a - 1]);
    from = Math.max(from, b + 1);
  }
  if (from <= last) runs.push([from, last]);
  return runs;
}

/** The sections holding line `n` (its header excluded), outermost first. */
export function sectionsHolding(sections: readonly LogSectionView[], n: number): LogSectionView[] {
  return sections.filter((s) => s.start_line < n && (s.end_line === null || n <= s.end_line));
}

/** The section marker a line is, if any (a cheap test first: most lines are not). */
export function sectionMarker(text: string): Exclude<LogMarker, { kind: 'phase' }> | null {
  if (!mayBeMarker(text)) return null;
  const marker = parseLogMarker(text);
  return marker && marker.kind !== 'phase' ? marker : null;
}

/** Whether lines `from`..`to` all lie in one of the (merged) hidden ranges. */
export function coversLines(hidden: readonly LineRange[], from: number, to: number): boolean {
  for (const [a, b] of hidden) if (a <= from && to <= b) return true;
  return false;
}
