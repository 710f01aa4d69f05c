import { closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { LOG_STREAMS, type LogLine, type LogStream } from '@polytene/protocol';

/** Lines gathered before one write to the file. */
export const WRITE_CHUNK_BYTES = 64 * 1024;
/** Reads from the file take between these (a larger one when a single line is longer). */
const MIN_READ_BYTES = 4 * 1024;
const MAX_READ_BYTES = 1024 * 1024;

/**
 * An append-only file of log lines not sent yet (one JSON array `[n, stream, t, text]` per line), read
 * back in the order written. The shipper puts lines here once its memory buffer is full, so a server that
 * is slow or away costs disk, not memory. Writes and reads are synchronous and small (64 KB), into the
 * page cache: the order of lines is the order of calls, with no queue of pending writes in memory.
 * A last line without its newline (the runner died while writing it) or one that does not parse is skipped.
 * If the file cannot be written (disk full), lines stay in memory (`stuckBytes`), still in order.
 */
export class LogSpool {
  private fd: number | null = null;
  private writeBuffer: string[] = [];
  private writeBufferBytes = 0;
  private writtenBytes = 0;
  private offset = 0;
  private readonly stuck: LogLine[] = [];
  private stuckCost = 0;
  /** The write error that made the spool keep lines in memory, if any. */
  failure: Error | null = null;

  constructor(
    readonly file: string,
    /** Lines are written once this many bytes are gathered; the write buffer holds no more (but one line). */
    readonly writeChunkBytes = WRITE_CHUNK_BYTES,
  ) {}

  /** A spool over a file left by an earlier one, read from `readOffset` (a reader restarted). */
  static reopen(file: string, readOffset = 0): LogSpool {
    const spool = new LogSpool(file);
    spool.fd = openSync(file, 'a+', 0o600);
    spool.writtenBytes = fstatSync(spool.fd).size;
    const last = Buffer.alloc(1);
    if (spool.writtenBytes > 0 && readSync(spool.fd, last, 0, 1, spool.writtenBytes - 1) === 1) {
      // A torn last line is ended here, so that lines appended now do not run into it (it is skipped).
      if (last[0] !== 0x0a) spool.writtenBytes += writeSync(spool.fd, '\n');
    }
    spool.offset = Math.min(readOffset, spool.writtenBytes);
    return spool;
  }

  /** Bytes of the file read so far (where a restarted reader would go on). */
  get readOffset(): number {
    return this.offset;
  }

  /** Lines are waiting in the file, in the write buffer or in memory after a write failure. */
  get hasUnread(): boolean {
    return this.offset < this.writtenBytes || this.writeBufferBytes > 0 || this.stuck.length > 0;
  }

  /** Memory held for lines not in the file yet (the write buffer, and lines a failed write left). */
  get bufferedBytes(): number {
    return this.writeBufferBytes + this.stuckCost;
  }

  /** Memory held for lines kept because the file could not be written. */
  get stuckBytes(): number {
    return this.stuckCost;
  }

  append(line: LogLine): void {
    const encoded = this.failure ? '' : `${JSON.stringify([line.n, line.stream, line.t, line.text])}\n`;
    if (!this.failure && this.writeBufferBytes + encoded.length > this.writeChunkBytes) this.flush();
    if (this.failure) {
      this.stuck.push(line);
      this.stuckCost += lineCost(line);
      return;
    }
    this.writeBuffer.push(encoded);
    this.writeBufferBytes += encoded.length;
  }

  /** Writes the buffered lines to the file. */
  flush(): void {
    if (this.writeBufferBytes === 0 || this.failure) return;
    const data = Buffer.from(this.writeBuffer.join(''));
    try {
      if (this.fd === null) {
        mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
        this.fd = openSync(this.file, 'w+', 0o600);
      }
      for (let done = 0; done < data.length;) done += writeSync(this.fd, data, done);
    } catch (error) {
      // Keep the lines (decoded again) in memory; the file still holds the ones written before.
      this.failure = error instanceof Error ? error : new Error(String(error));
      for (const encoded of this.writeBuffer) {
        const line = decode(encoded.slice(0, -1));
        if (line) this.append(line);
      }
      this.writeBuffer = [];
      this.writeBufferBytes = 0;
      return;
    }
    this.writtenBytes += data.length;
    this.writeBuffer = [];
    this.writeBufferBytes = 0;
  }

  /**
   * The next lines in order, as many as fit `budget` (their lineCost; at most 1 MB of file a call), at
   * least one when any is waiting.
   */
  read(budget: number): LogLine[] {
    this.flush();
    const lines: LogLine[] = [];
    if (this.fd !== null && this.offset < this.writtenBytes) this.readFile(budget, lines);
    if (this.offset >= this.writtenBytes) {
      budget -= lines.reduce((sum, line) => sum + lineCost(line), 0);
      while (this.stuck.length > 0) {
        const cost = lineCost(this.stuck[0] as LogLine);
        if (cost > budget && lines.length > 0) break;
        lines.push(this.stuck.shift() as LogLine);
        this.stuckCost -= cost;
        budget -= cost;
      }
    }
    return lines;
  }

  /** Complete lines from the file while their cost fits `budget` (at least one). */
  private readFile(budget: number, lines: LogLine[]): void {
    const fd = this.fd as number;
    let size = Math.min(Math.max(budget, MIN_READ_BYTES), MAX_READ_BYTES);
    for (;;) {
      const length = Math.min(size, this.writtenBytes - this.offset);
      const chunk = Buffer.allocUnsafe(length);
      const got = readSync(fd, chunk, 0, length, this.offset);
      let start = 0;
      let left = budget;
      for (let end = chunk.indexOf(0x0a, 0); end !== -1 && end < got; end = chunk.indexOf(0x0a, start)) {
        const line = decode(chunk.toString('utf8', start, end));
        if (line) {
          const cost = lineCost(line);
          if (cost > left && lines.length > 0) break;
          left -= cost;
          lines.push(line);
        }
        start = end + 1;
      }
      this.offset += start;
      if (start > 0) return;
      // No complete line: a longer one (read more), or a torn last line at the end of the file (skipped).
      if (got < size || this.offset + got >= this.writtenBytes) {
        this.offset = this.writtenBytes;
        return;
      }
      size *= 2;
    }
  }

  /** Closes and deletes the file; the spool can be used again from empty. */
  remove(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.file, { force: true });
    this.writeBuffer = [];
    this.writeBufferBytes = 0;
    this.writtenBytes = 0;
    this.offset = 0;
    if (this.stuck.length === 0) this.failure = null;
  }
}

/** Memory a queued line is counted for: its text and about 64 bytes for the object around it. */
export function lineCost(line: LogLine): number {
  return line.text.length + 64;
}

function decode(text: string): LogLine | null {
  if (text.length === 0) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value) || value.length !== 4) return null;
    const [n, stream, t, body] = value as unknown[];
    if (typeof n !== 'number' || typeof t !== 'string' || typeof body !== 'string') return null;
    if (!(LOG_STREAMS as readonly unknown[]).includes(stream)) return null;
    return { n, stream: stream as LogStream, t, text: body };
  } catch {
    return null;
  }
}
