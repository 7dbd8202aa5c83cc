import type { ImageEvent, RegistryEvent } from '../events/registry-event.js';
import type { WebhookRecord } from '../store/webhook-store.js';
import type { Deliverer } from './deliverer.js';
import { webhookEventType } from './envelope.js';
import type { DeliveryJob, RetryQueue } from './retry-queue.js';
import { retryDelayMs } from './settings.js';

/** Whether a webhook wants the event: of a type it chose, in a repository under its prefix. */
export function wants(webhook: WebhookRecord, event: ImageEvent): boolean {
  return webhook.events.includes(webhookEventType(event))
    && (webhook.repositoryPrefix === undefined || event.repository.startsWith(webhook.repositoryPrefix));
}

/**
 * Delivers each registry event to the webhooks that want it, at least once: a failed attempt
 * goes back on the queue with a growing pause until the give-up time (24 hours by default)
 * has passed since the first, and is then recorded dead. The same code runs in the delivery
 * function on AWS (fed by SQS) and in local mode (fed by the registry directly).
 */
export class WebhookDispatcher {
  constructor(
    private readonly deliverer: Deliverer,
    private readonly queue: RetryQueue,
    private readonly now: () => Date,
  ) {}

  /** Repository events have no action in distribution's envelope: webhooks get images and tags. */
  async dispatch(event: RegistryEvent): Promise<void> {
    if (event.kind !== 'image') return;
    const webhooks = (await this.deliverer.store.listWebhooks()).filter((webhook) => wants(webhook, event));
    const firstAttemptAt = this.now().toISOString();
    await Promise.all(webhooks.map((webhook) => this.attempt(webhook, { kind: 'webhook-delivery', webhook: webhook.name, event, attempt: 1, firstAttemptAt })));
  }

  /** A retry the queue handed back; nothing when the webhook was deleted meanwhile. */
  async retry(job: DeliveryJob): Promise<void> {
    const webhook = await this.deliverer.store.getWebhook(job.webhook);
    if (webhook) await this.attempt(webhook, job);
  }

  private async attempt(webhook: WebhookRecord, job: DeliveryJob): Promise<void> {
    const delayMs = retryDelayMs(this.deliverer.settings, job.attempt + 1);
    const deadline = Date.parse(job.firstAttemptAt) + this.deliverer.settings.giveUpMs;
    const record = await this.deliverer.attempt(webhook, job.event, job.attempt, () => this.now().getTime() + delayMs > deadline);
    if (record.outcome === 'failed') await this.queue.later({ ...job, attempt: job.attempt + 1 }, delayMs);
  }
}
