import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/server.js';
import {
  insertBuild,
  insertBranchConfig,
  insertProject,
  insertQueuedDeployment,
} from '../test-support/fixtures.js';
import { insertLogLines, storedLines, type TestLine } from '../test-support/logs.js';
import { logText, readLines } from './store.js';
import { PART_DROPPED, PART_HEAD, PART_TAIL } from './limit.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

async function deployment(): Promise<number> {
  const { project } = await insertProject(server);
  const config = await insertBranchConfig(server, { project_id: project.id });
  const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
  return (await insertQueuedDeployment(server, build, config)).id;
}

const lines = (from: number, to: number, text = (n: number) => `line ${n}`): TestLine[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ n: from + i, text: text(from + i) }));

const chunks = (id: number) =>
  server.ctx.db
    .selectFrom('log_chunks')
    .select(['first_n', 'last_n', 'lines', 'bytes', 'part'])
    .where('deployment_id', '=', id)
    .orderBy('last_n')
    .execute();

const numbers = async (id: number) => (await storedLines(server.ctx.db, id)).map((line) => line.n);

describe('the log store', () => {
  it('keeps stream, timestamp and text of every line, a batch per chunk', async () => {
    const id = await deployment();
    const batch: TestLine[] = [
      { n: 1, stream: 'system', t: '2024-05-01T12:00:00.000Z', text: '$ make deploy' },
      { n: 2, stream: 'stdout', t: '2024-05-01T12:00:00.000Z', text: 'zażółć, tab\there, colon: 1' },
      { n: 3, stream: 'stderr', t: '2024-05-01T12:00:00.250Z', text: '' },
      { n: 4, stream: 'stdout', t: '2024-05-01T11:59:59.999Z', text: 'clock went back' },
    ];
    await insertLogLines(server.ctx.db, id, batch);
    await insertLogLines(
      server.ctx.db,
      id,
      lines(5, 100_004, (n) => `step ${n}: ok`),
    );
    expect((await chunks(id)).map((c) => [c.first_n, c.last_n, c.lines])).toEqual([
      [1, 4, 4],
      [5, 100_004, 100_000],
    ]);
    const stored = await storedLines(server.ctx.db, id);
    expect(stored.slice(0, 4)).toEqual(
      batch.map((line) => ({ ...line, t: new Date(line.t!).toISOString() })),
    );
    expect(stored).toHaveLength(100_004);
    expect(stored.at(-1)).toMatchObject({ n: 100_004, stream: 'stdout', text: 'step 100004: ok' });
    expect((await readLines(server.ctx.db, id, 99_999, 3)).map((line) => line.n)).toEqual([
      100_000, 100_001, 100_002,
    ]);
  });

  it('adds small batches to the last small chunk, so slow output still compresses', async () => {
    const id = await deployment();
    for (let n = 1; n <= 50; n++) await insertLogLines(server.ctx.db, id, [{ n, text: `tick ${n}` }]);
    expect((await chunks(id)).map((c) => [c.first_n, c.last_n, c.lines])).toEqual([[1, 50, 50]]);
    expect(await numbers(id)).toEqual(lines(1, 50).map((line) => line.n));
  });

  it('stores a re-sent or overlapping batch once and fills gaps in and between chunks', async () => {
    const id = await deployment();
    await insertLogLines(server.ctx.db, id, lines(1, 3000));
    await insertLogLines(
      server.ctx.db,
      id,
      lines(2001, 4000, (n) => `again ${n}`),
    );
    await insertLogLines(
      server.ctx.db,
      id,
      lines(1, 4000, (n) => `again ${n}`),
    );
    await insertLogLines(server.ctx.db, id, [...lines(5001, 6000), ...lines(8001, 9000)]);
    expect(await numbers(id)).toHaveLength(6000);
    // 4001-5000 fall between two chunks, 6001-8000 inside one (whose range has a gap).
    await insertLogLines(server.ctx.db, id, [
      ...lines(4001, 5000),
      ...lines(5999, 8500, (n) => `again ${n}`),
    ]);
    const stored = await storedLines(server.ctx.db, id);
    expect(stored.map((line) => line.n)).toEqual(lines(1, 9000).map((line) => line.n));
    expect(stored.filter((line) => line.text.startsWith('again')).map((line) => line.n)).toEqual(
      lines(3001, 4000)
        .concat(lines(6001, 8000))
        .map((line) => line.n),
    );
    const ranges = (await chunks(id)).map((c) => [c.first_n, c.last_n]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThan(ranges[i - 1]![1]!);
    let text = '';
    for await (const part of logText(server.ctx.db, id)) text += part;
    expect(text.split('\n')).toHaveLength(9001);
  });

  it('past the limit keeps the head and the tail with one line saying what was dropped', async () => {
    const id = await deployment();
    const limits = { headBytes: 1024, tailBytes: 2048 };
    const text = (n: number) => `${String(n).padStart(3, '0')} ${'x'.repeat(96)}`; // 100 bytes
    for (let from = 1; from <= 300; from += 7) {
      await insertLogLines(server.ctx.db, id, lines(from, Math.min(from + 6, 300), text), limits);
    }
    const stored = await storedLines(server.ctx.db, id);
    const head = stored.filter((line) => line.n <= 10);
    expect(head.map((line) => line.text)).toEqual(lines(1, 10, text).map((line) => line.text));
    const notice = stored[10]!;
    expect(notice).toMatchObject({ n: 11, stream: 'system' });
    const tail = stored.slice(11);
    const dropped = 300 - 10 - tail.length;
    expect(notice.text).toBe(
      `${dropped} lines (${((dropped * 100) / 1024).toFixed(1)} KB) dropped here: the log passed its limit, ` +
        'so only its first 1.0 KB and its last 2.0 KB are kept.',
    );
    expect(tail.map((line) => line.n)).toEqual(lines(300 - tail.length + 1, 300).map((line) => line.n));
    expect(tail.length * 100).toBeGreaterThanOrEqual(2048);
    expect(tail.length * 100).toBeLessThanOrEqual(2048 * 1.25);
    const parts = await chunks(id);
    expect(parts.filter((c) => c.part === PART_DROPPED)).toEqual([
      { first_n: 11, last_n: 300 - tail.length, lines: dropped, bytes: dropped * 100, part: PART_DROPPED },
    ]);
    expect(new Set(parts.map((c) => c.part))).toEqual(new Set([PART_HEAD, PART_TAIL, PART_DROPPED]));

    // Dropped lines sent again stay dropped; the log reads the same.
    await insertLogLines(
      server.ctx.db,
      id,
      lines(5, 295, (n) => `again ${n}`),
      limits,
    );
    expect(await storedLines(server.ctx.db, id)).toEqual(stored);
  });
});
