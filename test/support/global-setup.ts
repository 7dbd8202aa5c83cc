import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmulators, type Emulators } from '../../local/emulators/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    s3Endpoint: string;
    s3SpoolDirectory: string;
  }
}

let emulators: Emulators | undefined;
let scratch: string | undefined;

/**
 * One DynamoDB Local (in memory) and one s3rver for the whole run; each test
 * file gets its own table and bucket on them (see ./registry.ts).
 */
export async function setup(project: TestProject): Promise<void> {
  scratch = mkdtempSync(join(tmpdir(), 'berth-test-'));
  emulators = await startEmulators({ scratchDir: scratch });
  project.provide('dynamoEndpoint', emulators.dynamoEndpoint);
  project.provide('s3Endpoint', emulators.s3Endpoint);
  project.provide('s3SpoolDirectory', emulators.s3SpoolDirectory);
}

export async function teardown(): Promise<void> {
  await emulators?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
