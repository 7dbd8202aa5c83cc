import type { RegistryEvent } from './registry-event.js';

/**
 * Where the registry's changes go: an EventBridge bus on AWS, the in-process webhook
 * dispatcher locally. publish never throws and never waits on a webhook receiver: the
 * change it reports has happened, and announcing it must not fail or slow the request.
 */
export interface EventSink {
  publish(events: RegistryEvent[]): Promise<void>;
}

/** Announces nothing: a registry deployed without an event bus, and tests that do not watch. */
export const NO_EVENTS: EventSink = { publish: async () => undefined };
