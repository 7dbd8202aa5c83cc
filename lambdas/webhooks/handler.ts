import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { SqsQueue } from '../aws/sqs.js';
import { eventOf, type ReceivedEvent } from '../events/eventbridge-format.js';
import { DynamoDocuments } from '../aws/dynamodb.js';
import { DynamoWebhookStore } from '../store/dynamo-webhook-store.js';
import { parseDeliveryEnvironment } from './config.js';
import { Deliverer } from './deliverer.js';
import { WebhookDispatcher } from './dispatcher.js';
import { isDeliveryJob } from './retry-queue.js';
import { SqsRetryQueue } from './sqs-queue.js';

/**
 * The webhook delivery function: its queue holds the registry's events (from the EventBridge
 * rule) and the retries it put back itself. A message whose handling throws (the table out of
 * reach) is reported failed alone, and SQS redelivers it, to the dead-letter queue in the end;
 * a receiver's failure never throws: it is recorded and retried through the queue.
 */
const config = parseDeliveryEnvironment(process.env);
const now = () => new Date();
const deliverer = new Deliverer(new DynamoWebhookStore(new DynamoDocuments({ region: config.region }), config.table), config.settings,
  { url: `https://${config.registryHost}`, host: config.registryHost }, now);
const dispatcher = new WebhookDispatcher(deliverer, new SqsRetryQueue(new SqsQueue(config.queueUrl, { region: config.region })), now);

async function handle(body: unknown): Promise<void> {
  if (isDeliveryJob(body)) return dispatcher.retry(body);
  const event = eventOf(body as ReceivedEvent);
  if (event) return dispatcher.dispatch(event);
  console.error(`ignored a message that is neither a registry event nor a delivery retry: ${JSON.stringify(body).slice(0, 500)}`);
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const results = await Promise.allSettled(event.Records.map(async (record) => handle(JSON.parse(record.body) as unknown)));
  return {
    batchItemFailures: results.flatMap((result, index) => {
      if (result.status === 'fulfilled') return [];
      console.error(`message ${event.Records[index]!.messageId} failed: ${String(result.reason)}`);
      return [{ itemIdentifier: event.Records[index]!.messageId }];
    }),
  };
};
