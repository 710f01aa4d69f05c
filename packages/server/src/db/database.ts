import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.js';

// int8 (bigserial ids, counts) as JS numbers: ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * `onStatement` is called for every statement sent through kysely (transaction BEGIN/COMMIT included),
 * for the statements counter of metrics/metrics.ts.
 */
export function openDatabase(
  connectionString: string,
  maxConnections = 20,
  onStatement?: () => void,
): DatabaseHandle {
  const pool = new pg.Pool({ connectionString, max: maxConnections });
  // An idle client that loses its server (restart, kill) must not crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(onStatement ? { log: () => onStatement() } : {}),
  });
  return {
    db,
    pool,
    close: () => db.destroy(),
  };
}
