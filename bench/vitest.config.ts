import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `npm run bench`: the server benchmarks, on the same embedded PostgreSQL set-up as the tests. */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: {
    alias: {
      '@polytene/protocol': fileURLToPath(new URL('../packages/protocol/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['bench/**/*-bench.ts'],
    globalSetup: ['./packages/server/src/test-support/global-setup.ts'],
    testTimeout: 900_000,
    hookTimeout: 180_000,
    disableConsoleIntercept: true,
    fileParallelism: false,
    reporters: ['default'],
  },
});
