/**
 * The lines of one deployment log, stored by line number in columns (no object per line), so a
 * 1,000,000-line log stays small and lines arriving out of order (live tail first, history later) simply
 * fill their slots. Line numbers start at 1; a slot not loaded yet is a hole.
 */
import type { LogStream } from '@polytene/protocol';

export type Stream = LogStream;
export type StreamFilter = 'all' | 'stdout' | 'stderr';

export interface LogLineData {
  n: number;
  stream: Stream;
  t: string;
  text: string;
}

const STREAM_CODE: Record<Stream, number> = { stdout: 1, stderr: 2, system: 3 };
const STREAM_NAME: readonly (Stream | null)[] = [null, 'stdout', 'stderr', 'system'];

export class LogBuffer {
  private texts: (string | undefined)[] = [];
  /** Milliseconds since the epoch: 8 bytes a line instead of an ISO string. */
  private times = new Float64Array(1024);
  private streams = new Uint8Array(1024);
  /** Highest line number known (loaded or announced). */
  private highest = 0;
  private loadedCount = 0;
  /** Bumped on every change, so views know to re-render. */
  version = 0;
  private filterCache: { filter: StreamFilter; version: number; rows: Int32Array } | null = null;

  get size(): number {
    return this.highest;
  }

  get loaded(): number {
    return this.loadedCount;
  }

  /** Makes room for lines up to `n` (e.g. the deployment says its log has n lines) without loading them. */
  announce(n: number): void {
    if (n > this.highest) {
      this.highest = n;
      this.grow(n);
      this.version++;
    }
  }

  /** Adds lines; a line number seen before is replaced (re-delivery is harmless). Returns how many were new. */
  add(lines: readonly LogLineData[]): number {
    let added = 0;
    for (const line of lines) {
      const i = line.n - 1;
      if (i < 0) continue;
      if (line.n > this.highest) {
        this.highest = line.n;
        this.grow(line.n);
      }
      if (this.texts[i] === undefined) added++;
      this.texts[i] = line.text;
      this.times[i] = Date.parse(line.t);
      this.streams[i] = STREAM_CODE[line.stream] ?? 1;
    }
    this.loadedCount += added;
    if (lines.length) this.version++;
    return added;
  }

  has(n: number): boolean {
    return this.texts[n - 1] !== undefined;
  }

  line(n: number): LogLineData | null {
    const i = n - 1;
    const text = this.texts[i];
    if (text === undefined) return null;
    const ms = this.times[i] ?? Number.NaN;
    const t = Number.isNaN(ms) ? '' : new Date(ms).toISOString();
    return { n, text, t, stream: STREAM_NAME[this.streams[i] ?? 1] ?? 'stdout' };
  }

  /** The first hole at or after line `from`, or null when every line up to size is loaded. */
  firstHole(from = 1): number | null {
    for (let n = Math.max(1, from); n <= this.highest; n++) if (this.texts[n - 1] === undefined) return n;
    return null;
  }

  /**
   * Line numbers shown for a stream filter, in order. `all` shows every slot (holes as placeholders); a
   * stream filter shows loaded lines of that stream (system lines stay visible in both).
   */
  rows(filter: StreamFilter): Int32Array | null {
    if (filter === 'all') return null;
    if (this.filterCache && this.filterCache.filter === filter && this.filterCache.version === this.version)
      return this.filterCache.rows;
    const want = STREAM_CODE[filter];
    const out = new Int32Array(this.highest);
    let count = 0;
    for (let i = 0; i < this.highest; i++) {
      const code = this.streams[i];
      if (this.texts[i] !== undefined && (code === want || code === STREAM_CODE.system)) out[count++] = i + 1;
    }
    const rows = out.subarray(0, count);
    this.filterCache = { filter, version: this.version, rows };
    return rows;
  }

  /** Line numbers whose text contains `query` (case-insensitive), within the filter's rows. */
  search(query: string, filter: StreamFilter, strip: (text: string) => string): number[] {
    const needle = query.toLowerCase();
    if (!needle) return [];
    const found: number[] = [];
    const rows = this.rows(filter);
    const count = rows ? rows.length : this.highest;
    for (let r = 0; r < count; r++) {
      const n = rows ? (rows[r] ?? 0) : r + 1;
      const text = this.texts[n - 1];
      if (text === undefined) continue;
      const plain = text.includes('\x1b') || text.includes('\r') ? strip(text) : text;
      if (plain.toLowerCase().includes(needle)) found.push(n);
    }
    return found;
  }

  private grow(n: number): void {
    if (n <= this.streams.length) return;
    let size = this.streams.length;
    while (size < n) size *= 2;
    const streams = new Uint8Array(size);
    streams.set(this.streams);
    this.streams = streams;
    const times = new Float64Array(size);
    times.set(this.times);
    this.times = times;
  }
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
