import { sql } from 'kysely';
import type { Db } from '../packages/server/src/db/database.js';
import { startServerProcess, type ServerProcess } from '../e2e/support/server-process.js';

/** `count` server processes on one database, as replicas behind a load balancer. */
export async function startReplicas(databaseUrl: string, count: number): Promise<ServerProcess[]> {
  return Promise.all(Array.from({ length: count }, () => startServerProcess(databaseUrl)));
}

/** The sum of the samples of Prometheus metric `name` (all labels) across the replicas' `/metrics`. */
export async function scrape(replicas: ServerProcess[], name: string): Promise<number> {
  let total = 0;
  for (const replica of replicas) {
    const text = await (await fetch(`${replica.url}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(' ').pop());
    }
  }
  return total;
}

/** Transactions committed or rolled back in the current database so far (pg_stat_database). */
export async function transactions(db: Db): Promise<number> {
  // The statistics are those of the end of the previous transaction; clear the snapshot first.
  await sql`SELECT pg_stat_clear_snapshot()`.execute(db);
  const { rows } = await sql<{ n: number }>`
    SELECT (xact_commit + xact_rollback)::bigint AS n FROM pg_stat_database
    WHERE datname = current_database()`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
