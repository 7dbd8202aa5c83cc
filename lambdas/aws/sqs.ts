import type { SendMessageRequest, SendMessageResult } from '@aws-sdk/client-sqs';
import type { AwsClientOptions } from './aws-client.js';
import { JsonClient } from './json-client.js';
import type { JsonShape } from './json-shape.js';

export const SQS = { hostPrefix: 'sqs', environmentId: 'SQS', signingName: 'sqs', targetPrefix: 'AmazonSQS', jsonVersion: '1.0' } as const;

/**
 * One SQS queue, reached where its URL says, as the SDK reaches it unless given an endpoint:
 * the URL names the queue's host, which is the region's endpoint for every queue AWS makes.
 */
export class SqsQueue {
  private readonly client: JsonClient;

  constructor(readonly url: string, options: AwsClientOptions) {
    this.client = new JsonClient(SQS, { ...options, endpoint: options.endpoint ?? new URL(url).origin });
  }

  sendMessage(input: Omit<JsonShape<SendMessageRequest>, 'QueueUrl'>): Promise<JsonShape<SendMessageResult>> {
    return this.client.send('SendMessage', { QueueUrl: this.url, ...input });
  }
}
