import type { PutEventsRequest, PutEventsResponse } from '@aws-sdk/client-eventbridge';
import type { AwsClientOptions } from './aws-client.js';
import { JsonClient } from './json-client.js';

export const EVENTBRIDGE = { hostPrefix: 'events', environmentId: 'EVENTBRIDGE', signingName: 'events', targetPrefix: 'AWSEvents', jsonVersion: '1.1' } as const;

/** EventBridge's PutEvents, the one operation the functions call. */
export class EventBridge extends JsonClient {
  constructor(options: AwsClientOptions) {
    super(EVENTBRIDGE, options);
  }

  /**
   * Puts entries on a bus. A call that succeeds may still have refused some entries: those
   * come back in their positions with an ErrorCode, and FailedEntryCount counts them.
   */
  putEvents(input: PutEventsRequest): Promise<PutEventsResponse> {
    // Each entry's Time is a Date, as with the SDK; the protocol carries it in epoch seconds.
    const entries = input.Entries?.map(({ Time, ...entry }) => (Time === undefined ? entry : { ...entry, Time: Time.getTime() / 1000 }));
    return this.send('PutEvents', { ...input, ...(entries ? { Entries: entries } : {}) });
  }
}
