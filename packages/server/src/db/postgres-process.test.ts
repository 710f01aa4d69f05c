import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCluster, startPostmaster } from './postgres-process.js';

/** Binaries PostgreSQL's user cannot run (as under /root, 0700) must end start-up with an error, not a crash. */
const UNREACHABLE = { root: '/nonexistent/embedded-postgres', version: '0' };

describe('PostgreSQL programs that cannot be run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'polytene-pg-process-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('initdb rejects with the program and the reason', async () => {
    await expect(initCluster(UNREACHABLE, dir, 'password', null)).rejects.toThrow(
      /^cannot run \/nonexistent\/embedded-postgres\/bin\/initdb: spawn .* ENOENT$/,
    );
  });

  it('postgres rejects with the program and the reason', async () => {
    await expect(startPostmaster(UNREACHABLE, dir, 5432, [], null, () => undefined)).rejects.toThrow(
      /^cannot run \/nonexistent\/embedded-postgres\/bin\/postgres: spawn .* ENOENT$/,
    );
  });
});
