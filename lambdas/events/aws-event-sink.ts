import type { AwsClientOptions } from '../aws/aws-client.js';
import { EventBridge } from '../aws/eventbridge.js';
import { NO_EVENTS, type EventSink } from './event-sink.js';
import { EventBridgeSink } from './eventbridge-sink.js';

/** A function's sink on AWS: the bus BERTH_EVENT_BUS names, or nowhere when it names none. */
export function awsEventSink(client: AwsClientOptions, bus: string | undefined): EventSink {
  if (bus === undefined) return NO_EVENTS;
  return new EventBridgeSink(new EventBridge(client), { bus, log: (message) => console.error(message) });
}
