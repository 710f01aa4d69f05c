import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LogBatchResponse, LogLine } from '@polytene/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { ServerRefusedError } from './client.js';
import { LogShipper, type LogShipperOptions } from './log-shipper.js';
import { tempDir } from './test-support/repo.js';

const spoolDir = tempDir('polytene-shipper-spool-');
afterAll(() => rmSync(spoolDir, { recursive: true, force: true }));

/** A stand-in for the server's log endpoint: stores lines idempotently by n, like the real one. */
class LogStore {
  readonly lines = new Map<number, LogLine>();
  batches: LogLine[][] = [];
  status: LogBatchResponse['status'] = 'running';
  /** Called before storing; throw to simulate the server being away. */
  failBefore: (batch: LogLine[]) => void = () => undefined;
  /** Called after storing; throw to simulate an answer lost on the way back. */
  failAfter: (batch: LogLine[]) => void = () => undefined;

  send = async (batch: LogLine[]): Promise<LogBatchResponse> => {
    this.batches.push(batch);
    this.failBefore(batch);
    for (const line of batch) if (!this.lines.has(line.n)) this.lines.set(line.n, line);
    this.failAfter(batch);
    return { last_n: Math.max(0, ...this.lines.keys()), status: this.status };
  };

  ordered(): LogLine[] {
    return [...this.lines.values()].sort((a, b) => a.n - b.n);
  }
}

function shipper(store: LogStore, options: Partial<LogShipperOptions> = {}) {
  const statuses: string[] = [];
  const refused: ServerRefusedError[] = [];
  const instance = new LogShipper({
    send: store.send,
    flushMs: 500,
    maxBatchLines: 100,
    maxBatchBytes: 16 * 1024 * 1024,
    maxLineChars: 50,
    limitBytes: 1024 * 1024,
    secrets: [],
    onStatus: (s) => statuses.push(s),
    onRefused: (e) => refused.push(e),
    ...options,
  });
  return { instance, statuses, refused };
}

describe('log shipper', () => {
  it('numbers lines from 1, keeps stream and order, and timestamps them', async () => {
    const store = new LogStore();
    const { instance } = shipper(store);
    instance.add('stdout', 'a');
    instance.add('stderr', 'b');
    instance.system('c');
    await instance.close();
    expect(store.ordered().map(({ n, stream, text }) => ({ n, stream, text }))).toEqual([
      { n: 1, stream: 'stdout', text: 'a' },
      { n: 2, stream: 'stderr', text: 'b' },
      { n: 3, stream: 'system', text: 'c' },
    ]);
    expect(Number.isNaN(Date.parse(store.ordered()[0]!.t))).toBe(false);
  });

  it('flushes within the flush interval while output flows, in batches of at most maxBatchLines', async () => {
    const store = new LogStore();
    const { instance } = shipper(store, { maxBatchLines: 10 });
    instance.add('stdout', 'first');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(store.lines.size).toBe(1);
    for (let i = 0; i < 95; i++) instance.add('stdout', `line ${i}`);
    await instance.close();
    expect(store.lines.size).toBe(96);
    expect(Math.max(...store.batches.map((b) => b.length))).toBeLessThanOrEqual(10);
  });

  it('masks secret values, also each line of a multi-line secret', async () => {
    const store = new LogStore();
    const { instance } = shipper(store, {
      secrets: ['s3cr3t-token', 'line-one\nline-two'],
      maxLineChars: 1000,
    });
    instance.add('stdout', 'token=s3cr3t-token and again s3cr3t-token');
    instance.add('stderr', 'key: line-two');
    await instance.close();
    expect(store.ordered().map((l) => l.text)).toEqual([
      'token=[MASKED] and again [MASKED]',
      'key: [MASKED]',
    ]);
  });

  it('masks before splitting a long line into pieces of maxLineChars', async () => {
    const store = new LogStore();
    const { instance } = shipper(store, { secrets: ['SECRETSECRET'], maxLineChars: 10 });
    instance.add('stdout', `${'x'.repeat(5)}SECRETSECRET${'y'.repeat(12)}`);
    await instance.close();
    const texts = store.ordered().map((l) => l.text);
    expect(texts.every((t) => t.length <= 10)).toBe(true);
    expect(texts.join('')).toBe(`xxxxx[MASKED]${'y'.repeat(12)}`);
  });

  it('stops keeping output at the size limit with one truncation line', async () => {
    const store = new LogStore();
    const { instance } = shipper(store, { limitBytes: 1024, maxLineChars: 1000 });
    for (let i = 0; i < 100; i++) instance.add('stdout', 'z'.repeat(100));
    await instance.close();
    const texts = store.ordered().map((l) => l.text);
    expect(texts).toHaveLength(11);
    expect(texts[10]).toMatch(/^Log truncated: the output passed the limit of 1 KB/);
    expect(instance.isTruncated).toBe(true);
  });

  it('retries after failures and resumes after the last confirmed line: every line once, in order', async () => {
    const store = new LogStore();
    let calls = 0;
    store.failBefore = () => {
      calls++;
      if (calls % 3 === 0) throw new Error('connection refused');
    };
    store.failAfter = () => {
      if (calls % 4 === 0) throw new Error('socket hang up');
    };
    const { instance } = shipper(store, { maxBatchLines: 7, retryInitialMs: 5 });
    for (let i = 1; i <= 200; i++) instance.add(i % 2 ? 'stdout' : 'stderr', `line ${i}`);
    await instance.close();
    const stored = store.ordered();
    expect(stored.map((l) => l.n)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(stored.map((l) => l.text)).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i + 1}`));
    expect(store.batches.length).toBeGreaterThan(200 / 7);
  });

  it('passes on the job status the server answers', async () => {
    const store = new LogStore();
    store.status = 'canceling';
    const { instance, statuses } = shipper(store);
    instance.add('stdout', 'x');
    await instance.close();
    expect(statuses).toEqual(['canceling']);
  });

  it('gives up and reports when the server refuses the batch (the job was taken away)', async () => {
    const store = new LogStore();
    store.failBefore = () => {
      throw new ServerRefusedError(409, 'JOB_FINISHED', 'the job has ended (failed)');
    };
    const { instance, refused } = shipper(store);
    instance.add('stdout', 'x');
    await instance.close();
    expect(refused).toHaveLength(1);
    instance.add('stdout', 'after');
    expect(store.batches).toHaveLength(1);
  });

  it('holds at most its memory limit while the server is away, spools the rest, and loses nothing', async () => {
    const store = new LogStore();
    let away = true;
    store.failBefore = () => {
      if (away) throw new Error('connection refused');
    };
    const spoolFile = path.join(spoolDir, 'away.log');
    const limit = 256 * 1024;
    const pressure: boolean[] = [];
    const { instance } = shipper(store, {
      maxBatchLines: 1000,
      maxLineChars: 1000,
      limitBytes: 100 * 1024 * 1024,
      retryInitialMs: 5,
      memoryLimitBytes: limit,
      spoolFile,
    });
    instance.onPressure = (high) => pressure.push(high);
    const total = 50_000;
    for (let i = 1; i <= total; i++)
      instance.add(i % 2 ? 'stdout' : 'stderr', `line ${i} ${'x'.repeat(i % 40)}`);
    expect(instance.bufferedBytes).toBeLessThanOrEqual(limit);
    expect(existsSync(spoolFile)).toBe(true);
    away = false;
    await instance.close();

    const stored = store.ordered();
    expect(stored.map((l) => l.n)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(stored.map((l) => l.text)).toEqual(
      Array.from({ length: total }, (_, i) => `line ${i + 1} ${'x'.repeat((i + 1) % 40)}`),
    );
    expect(stored.filter((l) => l.stream === 'stderr')).toHaveLength(total / 2);
    expect(instance.spooledLines).toBeGreaterThan(total / 2);
    expect(instance.peakBufferedBytes).toBeLessThanOrEqual(limit);
    expect(pressure).toEqual([]); // the reader is never held while the spool works
    expect(existsSync(spoolFile)).toBe(false);
    expect(instance.bufferedBytes).toBe(0);
  });

  it('deletes the spool file once the server confirmed its lines, and spools again when behind again', async () => {
    const store = new LogStore();
    let away = true;
    store.failBefore = () => {
      if (away) throw new Error('connection refused');
    };
    const spoolFile = path.join(spoolDir, 'twice.log');
    const { instance } = shipper(store, { retryInitialMs: 5, memoryLimitBytes: 64 * 1024, spoolFile });
    const waitFor = async (done: () => boolean) => {
      for (const start = Date.now(); !done(); await new Promise((r) => setTimeout(r, 10)))
        if (Date.now() - start > 10_000) throw new Error('timed out');
    };
    for (let i = 1; i <= 5_000; i++) instance.add('stdout', `first ${i}`);
    expect(existsSync(spoolFile)).toBe(true);
    away = false;
    await waitFor(() => store.lines.size === 5_000);
    await waitFor(() => !existsSync(spoolFile));
    away = true;
    for (let i = 1; i <= 5_000; i++) instance.add('stdout', `second ${i}`);
    expect(existsSync(spoolFile)).toBe(true);
    away = false;
    await instance.close();
    expect(store.ordered().map((l) => l.n)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect(existsSync(spoolFile)).toBe(false);
  });

  it('abandoning deletes the spool file', () => {
    const store = new LogStore();
    store.failBefore = () => {
      throw new Error('connection refused');
    };
    const spoolFile = path.join(spoolDir, 'abandon.log');
    const { instance } = shipper(store, { memoryLimitBytes: 64 * 1024, spoolFile });
    for (let i = 1; i <= 5_000; i++) instance.add('stdout', `line ${i}`);
    expect(existsSync(spoolFile)).toBe(true);
    instance.abandon();
    expect(existsSync(spoolFile)).toBe(false);
  });
});
