import type { ImageEvent } from '../events/registry-event.js';
import type { DeliveryOutcome, DeliveryRecord, WebhookRecord, WebhookStore } from '../store/webhook-store.js';
import { ENVELOPE_MEDIA_TYPE, envelopeOf, webhookEventType, type RegistryAddress } from './envelope.js';
import { isDelivered, postDelivery, type Poster, type PostResult } from './post.js';
import { DELIVERY_RECORD_SECONDS, type DeliverySettings } from './settings.js';
import { SIGNATURE_HEADER, signatureOf } from './signature.js';

/** One signed attempt to deliver an event to a webhook, recorded for `berth webhook deliveries`. */
export class Deliverer {
  constructor(
    readonly store: WebhookStore,
    readonly settings: DeliverySettings,
    private readonly registry: RegistryAddress,
    private readonly now: () => Date,
    private readonly post: Poster = postDelivery,
  ) {}

  /**
   * POSTs the event's envelope and records the attempt; `lastChance` records a failure as
   * dead. The body is the same on every attempt, so is its event id, for receivers to drop repeats.
   */
  async attempt(webhook: WebhookRecord, event: ImageEvent, attempt: number, lastChance: (result: PostResult) => boolean, action: DeliveryRecord['action'] = webhookEventType(event)): Promise<DeliveryRecord> {
    const body = JSON.stringify(envelopeOf(event, this.registry));
    const result = await this.post(webhook.url, body, {
      'content-type': ENVELOPE_MEDIA_TYPE,
      [SIGNATURE_HEADER]: signatureOf(body, webhook.secret),
      'user-agent': 'Berth-Webhooks',
    }, this.settings.timeoutMs);
    const outcome: DeliveryOutcome = isDelivered(result) ? 'delivered' : lastChance(result) ? 'dead' : 'failed';
    const at = this.now();
    const record: DeliveryRecord = {
      webhook: webhook.name,
      eventId: event.id,
      action,
      repository: event.repository,
      digest: event.digest,
      ...(event.tag === undefined ? {} : { tag: event.tag }),
      attempt,
      at: at.toISOString(),
      outcome,
      ...(result.status === undefined ? {} : { status: result.status }),
      ...(outcome === 'delivered' ? {} : { error: result.error ?? `the receiver answered ${result.status}` }),
      expiresAt: Math.floor(at.getTime() / 1000) + DELIVERY_RECORD_SECONDS,
    };
    await this.store.recordDelivery(record);
    return record;
  }
}
