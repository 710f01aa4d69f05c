import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

/** How an export is written: CSV (a header row, then one row per record) or one JSON array. */
export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type CellValue = string | number | boolean | null;

/**
 * What a list export needs: its columns for CSV, its JSON shape, and keyset-paged reads newest first, so
 * 100,000 rows pass through in batches and never sit in memory at once.
 */
export interface ExportSource<Row> {
  columns: readonly { header: string; value: (row: Row) => CellValue }[];
  json: (row: Row) => unknown;
  idOf: (row: Row) => number;
  /** At most `limit` rows with an id below `beforeId` (all when undefined), newest first. */
  fetch: (beforeId: number | undefined, limit: number) => Promise<Row[]>;
}

export const EXPORT_BATCH_ROWS = 1000;

async function* rowsOf<Row>(source: ExportSource<Row>, batchRows: number): AsyncGenerator<Row> {
  let beforeId: number | undefined;
  for (;;) {
    const batch = await source.fetch(beforeId, batchRows);
    yield* batch;
    const last = batch.at(-1);
    if (batch.length < batchRows || last === undefined) return;
    beforeId = source.idOf(last);
  }
}

/** A text a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading quote mark. */
export function spreadsheetSafe(value: CellValue): CellValue {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

async function* jsonArray<Row>(source: ExportSource<Row>, batchRows: number): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const row of rowsOf(source, batchRows)) {
    yield `${first ? '\n' : ',\n'}${JSON.stringify(source.json(row))}`;
    first = false;
  }
  yield '\n]\n';
}

/** The export as a stream that reads the next batch only when the client took the last one. */
export function exportStream<Row>(
  source: ExportSource<Row>,
  format: ExportFormat,
  batchRows: number = EXPORT_BATCH_ROWS,
): Readable {
  if (format === 'json') return Readable.from(jsonArray(source, batchRows));
  const records = Readable.from(
    (async function* () {
      for await (const row of rowsOf(source, batchRows))
        yield source.columns.map((column) => spreadsheetSafe(column.value(row)));
    })(),
  );
  const csv = stringify({
    header: true,
    columns: source.columns.map((column) => column.header),
    cast: { boolean: (value) => (value ? 'true' : 'false') },
  });
  records.on('error', (error) => csv.destroy(error));
  return records.pipe(csv);
}
