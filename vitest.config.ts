import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // The tests mostly wait on sockets and child processes, so two files at once pay off even on two cores,
    // where the default (one fewer than the cores) runs them one by one: 7 minutes there instead of 5.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // One PostgreSQL server for the run: TEST_DATABASE_URL's, or a throwaway one (see the file).
    globalSetup: ['./test/support/postgres-server.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
