/** How deliveries are timed; lambdas/shared/config.ts reads them from BERTH_WEBHOOK_* (docs/configuration.md). */
export interface DeliverySettings {
  /** How long one attempt waits for the receiver's answer. */
  timeoutMs: number;
  /** The pause before the first retry; each later one doubles it, up to maxRetryMs. */
  retryMs: number;
  maxRetryMs: number;
  /** After this long since the first attempt, a failed delivery is recorded dead and not retried. */
  giveUpMs: number;
}

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = {
  timeoutMs: 10_000,
  retryMs: 30_000,
  // SQS delays a message by at most 15 minutes.
  maxRetryMs: 900_000,
  giveUpMs: 24 * 3600_000,
};

/** Delivery records are kept this long (DynamoDB TTL), for `berth webhook deliveries`. */
export const DELIVERY_RECORD_SECONDS = 7 * 24 * 3600;

/** The pause before attempt `attempt` (2 for the first retry). */
export function retryDelayMs(settings: DeliverySettings, attempt: number): number {
  return Math.min(settings.maxRetryMs, settings.retryMs * 2 ** (attempt - 2));
}
