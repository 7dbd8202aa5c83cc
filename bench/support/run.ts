import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulators, type Emulators } from '../../local/emulators/index.js';

/**
 * Runs a benchmark against DynamoDB Local (in memory) and s3rver, both in a
 * scratch directory that is removed afterwards; a failure is printed and sets the exit code.
 */
export function runBench(name: string, bench: (emulators: Emulators, scratch: string) => Promise<void>): void {
  // As npm start does: the SDK's own switch for its notice that a later release will need Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const main = async () => {
    const scratch = mkdtempSync(join(tmpdir(), `${name}-`));
    try {
      const emulators = await startEmulators({ scratchDir: join(scratch, 'emulators') });
      try {
        await bench(emulators, scratch);
      } finally {
        await emulators.stop();
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  };
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
