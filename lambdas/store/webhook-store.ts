/** What a webhook receives: pushes, deletes (of images and tags), or both. */
export type WebhookEventType = 'push' | 'delete';
export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = ['push', 'delete'];

/** A webhook subscription. */
export interface WebhookRecord {
  name: string;
  url: string;
  events: WebhookEventType[];
  /** Only repositories whose names start with this; every repository when absent. */
  repositoryPrefix?: string;
  /** Signs each delivery's body (HMAC-SHA256). */
  secret: string;
  createdAt: string;
}

/** How one attempt to deliver an event ended; `dead` is a failed attempt after which none follows. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'dead';

export interface DeliveryRecord {
  webhook: string;
  eventId: string;
  action: WebhookEventType | 'test';
  repository: string;
  digest?: string;
  tag?: string;
  /** 1 for the first attempt. */
  attempt: number;
  at: string;
  outcome: DeliveryOutcome;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why the attempt failed, when it did. */
  error?: string;
  /** Epoch seconds; the table's TTL attribute. */
  expiresAt: number;
}

export interface WebhookStore {
  /** Returns false when a webhook of that name exists. */
  createWebhook(record: WebhookRecord): Promise<boolean>;
  getWebhook(name: string): Promise<WebhookRecord | undefined>;
  /** Every subscription, by name (a registry has few). */
  listWebhooks(): Promise<WebhookRecord[]>;
  /** Deletes the subscription and its delivery records; false when it did not exist. */
  deleteWebhook(name: string): Promise<boolean>;
  recordDelivery(record: DeliveryRecord): Promise<void>;
  /** The webhook's latest attempts, newest first. */
  listDeliveries(name: string, limit: number): Promise<DeliveryRecord[]>;
}
