/**
 * The lines of one deployment log that the browser holds: windows of WINDOW consecutive line numbers,
 * at most `maxWindows` of them (least recently shown evicted first), so a 1,000,000-line log costs what a
 * few screens of it cost. Each window stores its lines in columns (no object per line). Line numbers start
 * at 1; a line not held is a hole, shown as a placeholder until its window arrives.
 */
import type { LogStream } from '@polytene/protocol';
import { coversLines, type LineRange } from './sections';

export type Stream = LogStream;
export type StreamFilter = 'all' | 'stdout' | 'stderr';

export interface LogLineData {
  n: number;
  stream: Stream;
  t: string;
  text: string;
}

/** Line numbers per window (the page size asked of the API). */
export const WINDOW = 1000;
/** Windows held at most: about 40,000 lines, a few MB. */
export const MAX_WINDOWS = 40;

const STREAM_CODE: Record<Stream, number> = { stdout: 1, stderr: 2, system: 3 };
const STREAM_NAME: readonly (Stream | null)[] = [null, 'stdout', 'stderr', 'system'];

interface Window {
  texts: (string | undefined)[];
  /** Milliseconds since the epoch: 8 bytes a line instead of an ISO string. */
  times: Float64Array;
  streams: Uint8Array;
  /** Read from the API (every stored line of it is here), not only filled by the live stream. */
  fetched: boolean;
  /** When it was last shown or filled, for eviction. */
  used: number;
  count: number;
}

/** The window holding line `n`. */
export const windowOf = (n: number): number => Math.floor((n - 1) / WINDOW);

export class LogBuffer {
  private windows = new Map<number, Window>();
  /** Highest line number known (held or announced). */
  private highest = 0;
  private clock = 0;
  /** Bumped on every change, so views know to re-render. */
  version = 0;
  private filterCache: { filter: StreamFilter; version: number; rows: Int32Array } | null = null;

  constructor(readonly maxWindows = MAX_WINDOWS) {}

  get size(): number {
    return this.highest;
  }

  /** Lines held now. */
  get loaded(): number {
    let count = 0;
    for (const window of this.windows.values()) count += window.count;
    return count;
  }

  get windowCount(): number {
    return this.windows.size;
  }

  /** Makes line numbers up to `n` known (the deployment says its log has n lines) without holding them. */
  announce(n: number): void {
    if (n > this.highest) {
      this.highest = n;
      this.version++;
    }
  }

  /** Adds lines; a line number seen before is replaced (re-delivery is harmless). Returns how many were new. */
  add(lines: readonly LogLineData[]): number {
    let added = 0;
    let window: Window | undefined;
    let at = -1;
    for (const line of lines) {
      if (line.n < 1) continue;
      const w = windowOf(line.n);
      if (w !== at) {
        at = w;
        window = this.windowAt(w);
        window.used = ++this.clock;
      }
      const i = (line.n - 1) % WINDOW;
      if (window!.texts[i] === undefined) {
        added++;
        window!.count++;
      }
      window!.texts[i] = line.text;
      window!.times[i] = Date.parse(line.t);
      window!.streams[i] = STREAM_CODE[line.stream] ?? 1;
      if (line.n > this.highest) this.highest = line.n;
    }
    if (lines.length) this.version++;
    return added;
  }

  /** Adds a window's page from the API: from now on the window counts as complete. */
  addWindow(w: number, lines: readonly LogLineData[]): void {
    const window = this.windowAt(w);
    window.fetched = true;
    window.used = ++this.clock;
    this.add(lines.filter((line) => windowOf(line.n) === w));
    this.version++;
  }

  /** Forgets that windows from `w` on were read whole (lines streamed live may have been missed there). */
  unfetchFrom(w: number): void {
    for (const [at, window] of this.windows) if (at >= w) window.fetched = false;
  }

  has(n: number): boolean {
    return this.windows.get(windowOf(n))?.texts[(n - 1) % WINDOW] !== undefined;
  }

  line(n: number): LogLineData | null {
    if (n < 1) return null;
    const window = this.windows.get(windowOf(n));
    const i = (n - 1) % WINDOW;
    const text = window?.texts[i];
    if (!window || text === undefined) return null;
    const ms = window.times[i] ?? Number.NaN;
    const t = Number.isNaN(ms) ? '' : new Date(ms).toISOString();
    return { n, text, t, stream: STREAM_NAME[window.streams[i] ?? 1] ?? 'stdout' };
  }

  /**
   * The windows covering lines `first`..`last` that have not been read whole, nearest to `first` first;
   * none whose lines are all `hidden` (in collapsed sections).
   */
  missing(first: number, last: number, hidden: readonly LineRange[] = []): number[] {
    const out: number[] = [];
    const top = Math.min(last, this.highest);
    for (let w = windowOf(Math.max(1, first)); top >= 1 && w <= windowOf(top); w++)
      if (!this.windows.get(w)?.fetched && !coversLines(hidden, w * WINDOW + 1, (w + 1) * WINDOW))
        out.push(w);
    return out;
  }

  /**
   * Marks lines `first`..`last` as shown now, then evicts the least recently shown windows beyond
   * `maxWindows`, never those of that range.
   */
  show(first: number, last: number, hidden: readonly LineRange[] = []): void {
    const low = windowOf(Math.max(1, first));
    const high = windowOf(Math.max(1, last));
    const now = ++this.clock;
    const shown = (w: number) =>
      w >= low && w <= high && !coversLines(hidden, w * WINDOW + 1, (w + 1) * WINDOW);
    for (const [w, window] of this.windows) if (shown(w)) window.used = now;
    if (this.windows.size <= this.maxWindows) return;
    const old = [...this.windows].filter(([w]) => !shown(w)).sort((a, b) => a[1].used - b[1].used);
    for (const [w] of old.slice(0, this.windows.size - this.maxWindows)) this.windows.delete(w);
    this.version++;
  }

  /** Every line number up to size sits in a window read whole: the log is held entirely. */
  get complete(): boolean {
    return this.highest === 0 || this.missing(1, this.highest).length === 0;
  }

  /**
   * Line numbers shown for a stream filter, in order, or null for every line number. Only a log held
   * entirely can be filtered exactly (a long one is not; the view dims the other streams instead).
   */
  rows(filter: StreamFilter): Int32Array | null {
    if (filter === 'all' || !this.complete) return null;
    if (this.filterCache && this.filterCache.filter === filter && this.filterCache.version === this.version)
      return this.filterCache.rows;
    const out = new Int32Array(this.highest);
    let count = 0;
    for (let n = 1; n <= this.highest; n++) {
      const line = this.line(n);
      if (line && shownIn(line.stream, filter)) out[count++] = n;
    }
    const rows = out.subarray(0, count);
    this.filterCache = { filter, version: this.version, rows };
    return rows;
  }

  private windowAt(w: number): Window {
    let window = this.windows.get(w);
    if (!window) {
      window = {
        texts: new Array<string | undefined>(WINDOW),
        times: new Float64Array(WINDOW),
        streams: new Uint8Array(WINDOW),
        fetched: false,
        used: 0,
        count: 0,
      };
      this.windows.set(w, window);
    }
    return window;
  }
}

/** Whether a line of `stream` shows under `filter` (system lines show under every filter). */
export function shownIn(stream: Stream, filter: StreamFilter): boolean {
  return filter === 'all' || stream === filter || stream === 'system';
}

/** Where line `n` sits among the shown rows (binary search over the filter's rows), or -1. */
export function rowOfLine(rows: Int32Array | null, n: number): number {
  if (rows === null) return n - 1;
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const value = rows[mid] ?? 0;
    if (value === n) return mid;
    if (value < n) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
