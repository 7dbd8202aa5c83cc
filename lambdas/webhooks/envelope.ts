import type { ImageEvent } from '../events/registry-event.js';
import type { WebhookEventType } from '../store/webhook-store.js';

/**
 * distribution's notification envelope, so that receivers written for distribution (and
 * Harbor's, which reads the same) work unchanged. One event per envelope.
 */
export const ENVELOPE_MEDIA_TYPE = 'application/vnd.docker.distribution.events.v1+json';

/** The registry as deliveries name it: its URL (targets' urls) and host (the source). */
export interface RegistryAddress {
  url: string;
  host: string;
}

export function webhookEventType(event: ImageEvent): WebhookEventType {
  return event.action === 'PUSH' ? 'push' : 'delete';
}

export function envelopeOf(event: ImageEvent, registry: RegistryAddress): { events: Record<string, unknown>[] } {
  const push = event.action === 'PUSH';
  return {
    events: [{
      id: event.id,
      timestamp: event.time,
      action: webhookEventType(event),
      target: {
        ...(event.manifest ? { mediaType: event.manifest.mediaType, size: event.manifest.size, length: event.manifest.size } : {}),
        digest: event.digest,
        repository: event.repository,
        url: `${registry.url}/v2/${event.repository}/manifests/${event.digest}`,
        ...(event.tag === undefined ? {} : { tag: event.tag }),
      },
      request: { id: event.id, host: registry.host, method: push ? 'PUT' : 'DELETE' },
      actor: {},
      source: { addr: registry.host },
    }],
  };
}
