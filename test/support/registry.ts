import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import type { RegistryConfig } from '../../lambdas/registry/config.js';
import { actionsFor, type AccessClass } from '../../lambdas/auth/actions.js';
import { startBerthServer, type RegistryServerOptions, type RunningRegistry } from '../../local/berth-server.js';
import { dropTableAndBucket } from './backends.js';
import { RegistryClient } from './client.js';

/** How a test registry is served, beyond the registry's settings. */
export type TestServerOptions = Pick<RegistryServerOptions, 'uploadGateway' | 'tokenKeys' | 'tokenLifetimeSeconds' | 'policyCacheSeconds' | 'forgetPoliciesOnChange' | 'adminKey' | 'now' | 'sweepIntervalMs' | 'pullThrough' | 'lifecyclePreviewSeconds' | 's3SpoolDirectory' | 'sts' | 'webhooks' | 'instrument' | 'observeEvents' | 'rememberReads'>;

const started: RunningRegistry[] = [];
// Registered when a test file first imports this module, so it runs after the file's own afterAll hooks have stopped its registries.
afterAll(async () => {
  for (const running of started.splice(0)) await dropTableAndBucket(running.table, running.bucket);
});

/** Starts a registry on its own table and bucket, both deleted after the test file. */
export async function startTestRegistry(registry: Partial<RegistryConfig> = {}, server: TestServerOptions = {}): Promise<RunningRegistry> {
  const id = randomUUID().slice(0, 8);
  const running = await startBerthServer({
    dynamoEndpoint: inject('dynamoEndpoint'),
    s3Endpoint: inject('s3Endpoint'),
    table: `berth-test-${id}`,
    bucket: `berth-test-${id}`,
    port: 0,
    registry,
    ...server,
  });
  started.push(running);
  return running;
}

/** The registry for the current test file, started before its tests and stopped after. */
export function useRegistry(registry: Partial<RegistryConfig> = {}, server: TestServerOptions = {}): () => RunningRegistry {
  let running: RunningRegistry | undefined;
  beforeAll(async () => {
    running = await startTestRegistry(registry, server);
  });
  afterAll(async () => {
    await running?.stop();
  });
  return () => {
    if (!running) throw new Error('registry not started');
    return running;
  };
}

/** The local administrator, as the token routes name it. */
export function administratorArn(registry: RunningRegistry): string {
  return `arn:aws:iam::${registry.identity.accountId}:root`;
}

/** Basic credentials as docker login stores them: AWS and a registry token. */
export async function basicAuth(registry: RunningRegistry, classes: AccessClass[] = ['pull', 'push', 'delete'], principalArn = administratorArn(registry)): Promise<string> {
  const { token } = await registry.tokens.issue({ principalArn, accountId: registry.identity.accountId, actions: actionsFor(classes) }, 3600);
  return `Basic ${Buffer.from(`AWS:${token}`).toString('base64')}`;
}

/** A client signed in as the administrator, with a token issued once and reused. */
export function clientOf(registry: RunningRegistry): RegistryClient {
  let header: Promise<string> | undefined;
  return new RegistryClient(registry.url, () => (header ??= basicAuth(registry)));
}
