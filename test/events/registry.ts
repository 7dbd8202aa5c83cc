import { BERTH_TARGET_PREFIX } from '../../lambdas/management/app.js';
import type { DeliverySettings } from '../../lambdas/webhooks/settings.js';
import type { RunningRegistry } from '../../local/berth-server.js';
import { useRegistry } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';

/** The registry of a test file, with webhook timings of its own (short retries), on its own table and bucket. */
export function useEventsRegistry(webhooks: Partial<DeliverySettings> = {}): () => RunningRegistry {
  return useRegistry({}, { uploadGateway: false, webhooks });
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
