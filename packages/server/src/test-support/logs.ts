import type { LogLine, LogStream } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import { appendLines, prepareLines, readLines, type LogLimits } from '../logs/store.js';

/** No head/tail limit in the way of tests that are not about it. */
const NO_LIMIT: LogLimits = { headBytes: Number.MAX_SAFE_INTEGER, tailBytes: Number.MAX_SAFE_INTEGER };

export interface TestLine {
  n: number;
  stream?: LogStream;
  t?: Date | string;
  text: string;
}

/** Stores lines of a deployment through the log store, as ingest does (in any order; repeats ignored). */
export async function insertLogLines(
  db: Db,
  deploymentId: number,
  lines: readonly TestLine[],
  limits: LogLimits = NO_LIMIT,
): Promise<void> {
  const batch: LogLine[] = lines.map((line) => ({
    n: line.n,
    stream: line.stream ?? 'stdout',
    t: new Date(line.t ?? Date.now()).toISOString(),
    text: line.text,
  }));
  await db.transaction().execute(async (trx) => {
    const log = await trx
      .selectFrom('deployments')
      .select(['id', 'last_log_n', 'log_bytes'])
      .where('id', '=', deploymentId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const stored = await appendLines(trx, log, prepareLines(batch), limits);
    await trx
      .updateTable('deployments')
      .set({
        last_log_n: Math.max(log.last_log_n, ...batch.map((line) => line.n)),
        log_bytes: log.log_bytes + stored.bytes,
      })
      .where('id', '=', deploymentId)
      .execute();
  });
}

/** Every stored line of a deployment, in order, read through the log store. */
export function storedLines(db: Db, deploymentId: number): Promise<LogLine[]> {
  return readLines(db, deploymentId, 0, Number.MAX_SAFE_INTEGER);
}
