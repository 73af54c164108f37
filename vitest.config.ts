import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // One PostgreSQL server for the run: TEST_DATABASE_URL's, or a throwaway one (see the file).
    globalSetup: ['./test/support/postgres-server.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
