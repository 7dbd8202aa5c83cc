import type { EventSink } from './event-sink.js';
import type { RegistryEvent } from './registry-event.js';

/**
 * Local mode's sink: hands each event to the webhook dispatcher in the same process without
 * waiting for it, so that a slow or failing receiver never holds up the request that made the change.
 */
export class InProcessSink implements EventSink {
  constructor(
    private readonly dispatch: (event: RegistryEvent) => Promise<void>,
    private readonly log: (message: string) => void,
  ) {}

  async publish(events: RegistryEvent[]): Promise<void> {
    for (const event of events) {
      this.dispatch(event).catch((error: unknown) => this.log(`webhook dispatch of event ${event.id} failed: ${String(error)}`));
    }
  }
}
