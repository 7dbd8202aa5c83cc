import type { EventBridge } from '../aws/eventbridge.js';
import type { EventSink } from './event-sink.js';
import { entryOf, type EventBridgeEntry } from './eventbridge-format.js';
import type { RegistryEvent } from './registry-event.js';

/** PutEvents takes at most 10 entries a call. */
const BATCH = 10;

export interface EventBridgeSinkOptions {
  /** The bus's name or ARN. */
  bus: string;
  /** Calls made for one batch before its events are given up (each call resends only the entries that failed). */
  attempts?: number;
  /** The first pause between calls, doubled each time. */
  retryMs?: number;
  log: (message: string) => void;
}

/**
 * Puts events on an EventBridge bus, before the request that made the change answers.
 * Retried here, in the request, because a Lambda function is frozen once it has answered:
 * work left for later may never run. A put that still fails is logged with its events and
 * dropped, never thrown: the change has happened, and the push or delete must succeed.
 */
export class EventBridgeSink implements EventSink {
  private readonly attempts: number;
  private readonly retryMs: number;

  constructor(
    private readonly client: Pick<EventBridge, 'putEvents'>,
    private readonly options: EventBridgeSinkOptions,
  ) {
    this.attempts = options.attempts ?? 3;
    this.retryMs = options.retryMs ?? 100;
  }

  async publish(events: RegistryEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += BATCH) {
      await this.putBatch(events.slice(start, start + BATCH).map(entryOf));
    }
  }

  private async putBatch(entries: EventBridgeEntry[]): Promise<void> {
    let pending = entries;
    let failure = '';
    for (let attempt = 0; attempt < this.attempts && pending.length > 0; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.retryMs * 2 ** (attempt - 1)));
      try {
        const result = await this.client.putEvents({
          Entries: pending.map((entry) => ({ ...entry, EventBusName: this.options.bus })),
        });
        // Entries that failed come back in their positions with an ErrorCode; only those go again.
        const results = result.Entries ?? [];
        failure = results.find((entry) => entry.ErrorCode)?.ErrorCode ?? '';
        pending = pending.filter((_, index) => results[index]?.ErrorCode !== undefined);
      } catch (error) {
        failure = String(error);
      }
    }
    if (pending.length > 0) {
      this.options.log(`events not put on ${this.options.bus} after ${this.attempts} attempts (${failure}): ${JSON.stringify(pending.map((entry) => entry.Detail))}`);
    }
  }
}
