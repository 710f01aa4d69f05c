import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../packages/server/src/config.js';
import { createServer, type RunningServer } from '../../packages/server/src/server.js';
import { createTestDatabase } from '../../packages/server/src/test-support/db.js';
import { E2E_SECRET_KEY } from './server-process.js';

export interface E2eDatabase {
  url: string;
  /** An in-process server on the same database (not listening, no worker), for test-support/fixtures. */
  fixtures: RunningServer;
  close(): Promise<void>;
}

/** A fresh database for a cross-process test, with a handle to create rows in it. */
export async function openE2eDatabase(): Promise<E2eDatabase> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'polytene-e2e-fixtures-'));
  const fixtures = await createServer(
    parseConfig({
      databaseUrl: database.url,
      dataDir,
      secretKey: E2E_SECRET_KEY,
      localRunner: false,
      logLevel: 'silent',
    }),
    { worker: false },
  );
  return {
    url: database.url,
    fixtures,
    close: async () => {
      await fixtures.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
