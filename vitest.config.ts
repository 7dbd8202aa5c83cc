import { defineConfig } from 'vitest/config';

// The SDK's own switch for its notice that a later release will need Node 22; Berth supports Node 20. Workers inherit it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // A test that makes no assertion fails instead of passing silently.
    setupFiles: ['test/support/assertions.ts'],
    // DynamoDB Local, s3rver and real clients make these integration tests; 2 cores suffice for 2 workers.
    maxWorkers: 2,
    // Each worker loads its modules (CDK, the SDK, the local stack) once, not once per file: a fresh
    // module graph per file cost 280 s of the workers' time in imports alone. Tests that read the
    // environment at import reset the modules before they import (vi.resetModules), and every
    // stubbed variable and spy is undone by the file that made it.
    isolate: false,
    // A test that needs longer on a busy 2-core machine should do less, not wait longer.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
