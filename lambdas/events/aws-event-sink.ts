import { EventBridge } from '../aws/eventbridge.js';
import { NO_EVENTS, type EventSink } from './event-sink.js';
import { EventBridgeSink } from './eventbridge-sink.js';

/** A function's sink on AWS: the bus BERTH_EVENT_BUS names, or nowhere when it names none. */
export function awsEventSink(region: string, bus: string | undefined): EventSink {
  if (bus === undefined) return NO_EVENTS;
  return new EventBridgeSink(new EventBridge({ region }), { bus, log: (message) => console.error(message) });
}
