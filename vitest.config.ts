import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // A test that makes no assertion fails instead of passing silently.
    setupFiles: ['test/support/assertions.ts'],
    // DynamoDB Local, s3rver and real clients make these integration tests; 2 cores suffice for 2 workers.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
