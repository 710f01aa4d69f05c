import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { createTestDatabase } from '../test-support/db.js';
import { JobQueue } from './queue.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

/** What PostgreSQL does to every session on a fast shutdown or restart (Ctrl-C reaches it too). */
async function terminateOtherSessions(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const result = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    return result.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

async function startedQueue(ran: string[]) {
  const queue = new JobQueue(database.url);
  queue.register('note', async (payload) => {
    ran.push((payload as { text: string }).text);
  });
  await queue.start(2);
  return queue;
}

describe('the job queue and a PostgreSQL that drops connections', () => {
  it('keeps running jobs after PostgreSQL terminated its connections (a database restart)', async () => {
    const ran: string[] = [];
    const queue = await startedQueue(ran);
    try {
      expect(await terminateOtherSessions(database.url)).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 300));
      const handle = openDatabase(database.url, 1);
      await queue.add(handle.db, 'note', { text: 'after the restart' });
      await handle.close();
      // Workers stuck on the error are started afresh after 10 s of failing look-ups.
      const deadline = Date.now() + 25_000;
      while (ran.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(ran).toEqual(['after the restart']);
    } finally {
      await queue.stop();
    }
  }, 40_000);
});
