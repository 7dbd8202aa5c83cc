import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { BERTH_TARGET_PREFIX } from '../../lambdas/management/app.js';
import type { DeliverySettings } from '../../lambdas/webhooks/settings.js';
import { startBerthServer, type RunningRegistry } from '../../local/berth-server.js';
import { dropTableAndBucket } from '../support/backends.js';
import { send, signedManagementRequest } from '../support/signed.js';

/** The registry of a test file, with webhook timings of its own (short retries), on its own table and bucket. */
export function useEventsRegistry(webhooks: Partial<DeliverySettings> = {}): () => RunningRegistry {
  let running: RunningRegistry | undefined;
  beforeAll(async () => {
    const id = randomUUID().slice(0, 8);
    running = await startBerthServer({
      dynamoEndpoint: inject('dynamoEndpoint'),
      s3Endpoint: inject('s3Endpoint'),
      table: `berth-test-${id}`,
      bucket: `berth-test-${id}`,
      port: 0,
      uploadGateway: false,
      webhooks,
    });
  });
  afterAll(async () => {
    if (!running) return;
    await running.stop();
    await dropTableAndBucket(running.table, running.bucket);
  });
  return () => {
    if (!running) throw new Error('registry not started');
    return running;
  };
}

/** A Berth_V1 action, signed by the administrator. */
export async function berthAction(registry: RunningRegistry, action: string, body: unknown): Promise<Response> {
  return send(await signedManagementRequest(registry, `${BERTH_TARGET_PREFIX}${action}`, body));
}

/** Creates a webhook and returns its name and secret. */
export async function createWebhook(registry: RunningRegistry, body: Record<string, unknown>): Promise<{ name: string; secret: string }> {
  const response = await berthAction(registry, 'CreateWebhook', body);
  const created = (await response.json()) as { webhook: { name: string }; secret?: string };
  if (response.status !== 200) throw new Error(`CreateWebhook answered ${response.status}: ${JSON.stringify(created)}`);
  return { name: created.webhook.name, secret: created.secret ?? String(body.secret) };
}
