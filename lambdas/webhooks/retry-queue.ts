import type { ImageEvent } from '../events/registry-event.js';

/** An event still to be delivered to one webhook, and how far its attempts got. */
export interface DeliveryJob {
  kind: 'webhook-delivery';
  webhook: string;
  event: ImageEvent;
  /** The attempt this job makes: 2 for the first retry. */
  attempt: number;
  /** When the first attempt was made; retries stop once the give-up time has passed since. */
  firstAttemptAt: string;
}

/** Runs a job again after a pause: SQS message delays on AWS, timers locally. */
export interface RetryQueue {
  later(job: DeliveryJob, delayMs: number): Promise<void>;
}

export function isDeliveryJob(value: unknown): value is DeliveryJob {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'webhook-delivery';
}
