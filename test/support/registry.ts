import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import type { RegistryConfig } from '../../lambdas/registry/config.js';
import { startBerthServer, type RunningRegistry } from '../../local/berth-server.js';

/** Starts a registry on its own table and bucket for one test file. */
export async function startTestRegistry(registry: Partial<RegistryConfig> = {}): Promise<RunningRegistry> {
  const id = randomUUID().slice(0, 8);
  return startBerthServer({
    dynamoEndpoint: inject('dynamoEndpoint'),
    s3Endpoint: inject('s3Endpoint'),
    table: `berth-test-${id}`,
    bucket: `berth-test-${id}`,
    port: 0,
    registry,
  });
}

/** The registry for the current test file, started before its tests and stopped after. */
export function useRegistry(registry: Partial<RegistryConfig> = {}): () => RunningRegistry {
  let running: RunningRegistry | undefined;
  beforeAll(async () => {
    running = await startTestRegistry(registry);
  });
  afterAll(async () => {
    await running?.stop();
  });
  return () => {
    if (!running) throw new Error('registry not started');
    return running;
  };
}
