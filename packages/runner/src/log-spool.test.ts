import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LogLine } from '@polytene/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { LogSpool, lineCost } from './log-spool.js';
import { tempDir } from './test-support/repo.js';

const dir = tempDir('polytene-spool-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function line(n: number, text = `line ${n} ${'é'.repeat(n % 5)} "quoted" \\ \t`): LogLine {
  const streams = ['stdout', 'stderr', 'system'] as const;
  return { n, stream: streams[n % 3] ?? 'stdout', t: new Date(1_700_000_000_000 + n).toISOString(), text };
}

function readAll(spool: LogSpool, budget: number): LogLine[] {
  const out: LogLine[] = [];
  while (spool.hasUnread) out.push(...spool.read(budget));
  return out;
}

describe('log spool', () => {
  it('reads back every line appended, in order and unchanged, in reads of about the budget', () => {
    const spool = new LogSpool(path.join(dir, 'order', 'a.log'));
    const written = Array.from({ length: 20_000 }, (_, i) => line(i + 1));
    for (const l of written) spool.append(l);
    const reads: LogLine[][] = [];
    while (spool.hasUnread) reads.push(spool.read(10_000));
    expect(reads.flat()).toEqual(written);
    expect(reads.length).toBeGreaterThan(10);
    for (const read of reads)
      expect(read.reduce((sum, l) => sum + lineCost(l), 0)).toBeLessThanOrEqual(10_000);
  });

  it('interleaves appends and reads without losing or repeating a line', () => {
    const spool = new LogSpool(path.join(dir, 'interleave.log'), 1024);
    const got: LogLine[] = [];
    let n = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 37; i++) spool.append(line(++n));
      got.push(...spool.read(2_000));
    }
    got.push(...readAll(spool, 2_000));
    expect(got.map((l) => l.n)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it('keeps its write buffer under the write chunk (but one line)', () => {
    const spool = new LogSpool(path.join(dir, 'chunk.log'), 4096);
    let peak = 0;
    for (let i = 1; i <= 5_000; i++) {
      spool.append(line(i));
      peak = Math.max(peak, spool.bufferedBytes);
    }
    expect(peak).toBeLessThanOrEqual(4096);
    expect(readAll(spool, 1e6)).toHaveLength(5_000);
  });

  it('a reader restarted on the file goes on from its offset, and reads from the start again', () => {
    const file = path.join(dir, 'restart.log');
    const first = new LogSpool(file);
    for (let i = 1; i <= 1_000; i++) first.append(line(i));
    const before = first.read(5_000);
    first.flush();
    const offset = first.readOffset;
    expect(before.length).toBeGreaterThan(0);

    const again = LogSpool.reopen(file, offset);
    expect(readAll(again, 5_000).map((l) => l.n)).toEqual(
      Array.from({ length: 1_000 - before.length }, (_, i) => before.length + i + 1),
    );
    expect(readAll(LogSpool.reopen(file), 1e6)).toHaveLength(1_000);
  });

  it('deletes its file on remove and starts again empty', () => {
    const file = path.join(dir, 'cleanup.log');
    const spool = new LogSpool(file);
    for (let i = 1; i <= 10; i++) spool.append(line(i));
    spool.flush();
    expect(existsSync(file)).toBe(true);
    spool.remove();
    expect(existsSync(file)).toBe(false);
    expect(spool.hasUnread).toBe(false);
    spool.append(line(11));
    expect(readAll(spool, 1e6).map((l) => l.n)).toEqual([11]);
    spool.remove();
    expect(existsSync(file)).toBe(false);
  });

  it('skips a torn last line and a line that does not parse; lines appended after them read fine', () => {
    const file = path.join(dir, 'torn.log');
    const spool = new LogSpool(file);
    for (let i = 1; i <= 3; i++) spool.append(line(i));
    spool.flush();
    appendFileSync(file, 'not json at all\n[4,"stdout","2026-01-01T00:00:00.000Z","half a li');
    const reopened = LogSpool.reopen(file);
    reopened.append(line(5));
    expect(readAll(reopened, 1e6).map((l) => l.n)).toEqual([1, 2, 3, 5]);
    // The file as left: three lines, the garbage, the torn line ended by a newline, line 5.
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(7);
  });

  it('keeps lines in memory, still in order, when the file cannot be written', () => {
    // A file where the spool's directory should be: no write can succeed (not even as root).
    const blocker = path.join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const spool = new LogSpool(path.join(blocker, 'spool.log'), 256);
    for (let i = 1; i <= 100; i++) spool.append(line(i));
    expect(spool.failure).not.toBeNull();
    expect(spool.stuckBytes).toBeGreaterThan(0);
    expect(readAll(spool, 500).map((l) => l.n)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(spool.stuckBytes).toBe(0);
  });
});
