import { describe, expect, it } from 'vitest';
import { exportStream, spreadsheetSafe, type ExportSource } from './stream.js';

interface Row {
  id: number;
  name: string;
}

/** A source of `total` rows (ids total..1) that counts the batches read. */
function countingSource(total: number): ExportSource<Row> & { reads: number } {
  const source = {
    reads: 0,
    columns: [
      { header: 'id', value: (r: Row) => r.id },
      { header: 'name', value: (r: Row) => r.name },
    ],
    json: (r: Row) => r,
    idOf: (r: Row) => r.id,
    fetch: async (beforeId: number | undefined, limit: number) => {
      source.reads += 1;
      const start = Math.min(beforeId === undefined ? total : beforeId - 1, total);
      return Array.from({ length: Math.max(0, Math.min(limit, start)) }, (_, i) => ({
        id: start - i,
        name: `row "${start - i}", with a comma`,
      }));
    },
  };
  return source;
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('list exports', () => {
  it('writes CSV with a header row and quotes what needs quoting', async () => {
    const csv = await text(exportStream(countingSource(3), 'csv', 2));
    expect(csv).toBe(
      'id,name\n3,"row ""3"", with a comma"\n2,"row ""2"", with a comma"\n1,"row ""1"", with a comma"\n',
    );
  });

  it('writes one JSON array, also when there is nothing to export', async () => {
    expect(JSON.parse(await text(exportStream(countingSource(3), 'json', 2)))).toEqual([
      { id: 3, name: 'row "3", with a comma' },
      { id: 2, name: 'row "2", with a comma' },
      { id: 1, name: 'row "1", with a comma' },
    ]);
    expect(JSON.parse(await text(exportStream(countingSource(0), 'json', 2)))).toEqual([]);
  });

  it('reads the next batch only when the reader took the last one', async () => {
    const source = countingSource(100_000);
    const stream = exportStream(source, 'csv', 1000);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    // Node's stream buffers (16 KB high-water marks) hold a few batches at most, never all 100.
    expect(source.reads).toBeLessThan(10);
    await iterator.return?.();
    stream.destroy();
  });

  it('pages by id through every row exactly once', async () => {
    const source = countingSource(2500);
    const csv = await text(exportStream(source, 'csv', 1000));
    const ids = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(',')[0]));
    expect(ids).toHaveLength(2500);
    expect(new Set(ids).size).toBe(2500);
    expect(source.reads).toBe(3);
  });

  it('keeps a spreadsheet from running a cell as a formula', () => {
    expect(spreadsheetSafe('=HYPERLINK("http://evil")')).toBe(`'=HYPERLINK("http://evil")`);
    expect(spreadsheetSafe('+1')).toBe("'+1");
    expect(spreadsheetSafe('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(spreadsheetSafe('main')).toBe('main');
    expect(spreadsheetSafe(-1)).toBe(-1);
  });
});
