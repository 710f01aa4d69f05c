import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { LOG_STREAMS, type LogStream } from '@polytene/protocol';

/** One stored log line; `t` in milliseconds since the epoch. */
export interface StoredLine {
  n: number;
  stream: LogStream;
  t: number;
  text: string;
}

/** Chunks written by the server: the columns below, compressed with Brotli. */
const BROTLI = 1;
/** Chunks made by migration 0010 from the old `log_lines` rows, in SQL (no compression of its own). */
const PLAIN = 0;
/** Brotli quality: 5 compresses build output about 2.5x better than zlib's best, at over 1M lines/s. */
const QUALITY = 5;

const STREAM_CODES = new Map<string, number>(LOG_STREAMS.map((stream, i) => [stream, i]));

/**
 * Encodes lines (strictly increasing `n`) as one chunk. The lines are laid out column by column before
 * compression, which is what makes them small: the gaps between numbers (almost always 1), the stream
 * of each line (one byte), the milliseconds since the line before (almost always 0), the byte length of
 * each text, then all the texts. Brotli then finds the repeats within and across lines.
 */
export function encodeChunk(lines: readonly StoredLine[]): Buffer {
  const texts = Buffer.from(lines.map((line) => line.text).join(''));
  const columns = new ByteWriter(16 + lines.length * 8);
  const first = lines[0];
  columns.varint(lines.length);
  columns.varint(first ? first.n : 0);
  columns.varint(first ? first.t : 0);
  let n = first ? first.n : 0;
  let t = first ? first.t : 0;
  for (const line of lines) {
    columns.varint(line.n - n);
    n = line.n;
  }
  for (const line of lines) columns.byte(STREAM_CODES.get(line.stream) ?? 0);
  for (const line of lines) {
    columns.varint(zigzag(line.t - t));
    t = line.t;
  }
  for (const line of lines) columns.varint(Buffer.byteLength(line.text));
  const raw = Buffer.concat([columns.done(), texts]);
  const compressed = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  });
  return Buffer.concat([Uint8Array.of(BROTLI), compressed]);
}

/** The lines of a chunk, in order. */
export function decodeChunk(data: Uint8Array): StoredLine[] {
  const body = Buffer.from(data.buffer, data.byteOffset + 1, data.byteLength - 1);
  if (data[0] === PLAIN) return decodePlain(body);
  if (data[0] !== BROTLI) throw new Error(`unknown log chunk format ${data[0]}`);
  const raw = brotliDecompressSync(body);
  const reader = new ByteReader(raw);
  const count = reader.varint();
  let n = reader.varint();
  let t = reader.varint();
  const numbers = new Array<number>(count);
  for (let i = 0; i < count; i++) numbers[i] = n += reader.varint();
  const streams = new Array<LogStream>(count);
  for (let i = 0; i < count; i++) streams[i] = LOG_STREAMS[reader.byte()] ?? 'stdout';
  const times = new Array<number>(count);
  for (let i = 0; i < count; i++) times[i] = t += unzigzag(reader.varint());
  const lengths = new Array<number>(count);
  for (let i = 0; i < count; i++) lengths[i] = reader.varint();
  let at = reader.offset;
  const lines = new Array<StoredLine>(count);
  for (let i = 0; i < count; i++) {
    const end = at + lengths[i]!;
    lines[i] = { n: numbers[i]!, stream: streams[i]!, t: times[i]!, text: raw.toString('utf8', at, end) };
    at = end;
  }
  return lines;
}

/**
 * Migration 0010's format, built with string_agg: per line `n,stream,ms,bytes:` then the text's bytes.
 * PostgreSQL's own TOAST compression keeps these rows small enough until retention deletes them.
 */
function decodePlain(body: Buffer): StoredLine[] {
  const lines: StoredLine[] = [];
  let at = 0;
  const number = (stop: number): number => {
    let value = 0;
    while (body[at] !== stop) value = value * 10 + (body[at++]! - 48);
    at++;
    return value;
  };
  while (at < body.length) {
    const n = number(44);
    const stream = LOG_STREAMS[number(44)] ?? 'stdout';
    const t = number(44);
    const bytes = number(58);
    lines.push({ n, stream, t, text: body.toString('utf8', at, at + bytes) });
    at += bytes;
  }
  return lines;
}

const zigzag = (value: number): number => (value < 0 ? -2 * value - 1 : 2 * value);
const unzigzag = (value: number): number => (value % 2 === 1 ? -(value + 1) / 2 : value / 2);

/** Unsigned LEB128 varints of safe integers (up to 2^53, so epoch milliseconds fit). */
class ByteWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  byte(value: number): void {
    if (this.length === this.buffer.length) this.grow();
    this.buffer[this.length++] = value;
  }

  varint(value: number): void {
    while (value >= 0x80) {
      this.byte((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    this.byte(value);
  }

  done(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private grow(): void {
    const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
    this.buffer.copy(bigger);
    this.buffer = bigger;
  }
}

class ByteReader {
  offset = 0;

  constructor(private readonly buffer: Buffer) {}

  byte(): number {
    if (this.offset >= this.buffer.length) throw new Error('log chunk ends early');
    return this.buffer[this.offset++]!;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  }
}
