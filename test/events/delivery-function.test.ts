import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { entryOf } from '../../lambdas/events/eventbridge-format.js';
import type { ImageEvent } from '../../lambdas/events/registry-event.js';
import { DynamoDocuments } from '../../lambdas/aws/dynamodb.js';
import { DynamoWebhookStore } from '../../lambdas/store/dynamo-webhook-store.js';
import { ensureTable } from '../../local/provision.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { startReceiver } from './receiver.js';

/**
 * The webhook delivery function's entrypoint, as Lambda runs it: an SQS batch of what the rule
 * delivered, with its table on DynamoDB Local (through the SDK's endpoint variable). There is no
 * local SQS: the queue's URL refuses connections, so a retry cannot be queued, as when SQS is out of reach.
 */
const table = `berth-delivery-${randomUUID().slice(0, 8)}`;
const store = () => new DynamoWebhookStore(new DynamoDocuments({ region: LOCAL_REGION, endpoint: inject('dynamoEndpoint'), credentials: LOCAL_CREDENTIALS }), table);

async function refusingPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let handler: (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

beforeAll(async () => {
  await ensureTable(new DynamoDocuments({ region: LOCAL_REGION, endpoint: inject('dynamoEndpoint'), credentials: LOCAL_CREDENTIALS }), table);
  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    AWS_MAX_ATTEMPTS: '1',
    BERTH_TABLE: table,
    BERTH_REGISTRY_HOST: 'registry.example.com',
    // The SQS client sends to the queue's URL: a port where nothing listens.
    BERTH_WEBHOOK_QUEUE_URL: `http://127.0.0.1:${await refusingPort()}/000000000000/deliveries`,
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  // The function reads the environment as it loads: load it afresh, not as another test file left it.
  vi.resetModules();
  ({ handler } = await import('../../lambdas/webhooks/handler.js'));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await new DynamoDBClient({ region: LOCAL_REGION, endpoint: inject('dynamoEndpoint'), credentials: LOCAL_CREDENTIALS }).send(new DeleteTableCommand({ TableName: table }));
});

function pushed(repository: string): ImageEvent {
  return { kind: 'image', id: randomUUID(), time: new Date().toISOString(), action: 'PUSH', repository, digest: `sha256:${'b'.repeat(64)}`, tag: 'v1', manifest: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 10 } };
}

/** An SQS message of what the rule delivers: the event as EventBridge hands it to its targets. */
function message(event: ImageEvent): SQSEvent['Records'][number] {
  const entry = entryOf(event);
  const body = { version: '0', id: event.id, source: entry.Source, 'detail-type': entry.DetailType, account: '123456789012', time: event.time, region: 'eu-west-1', resources: [], detail: JSON.parse(entry.Detail) as unknown };
  return { messageId: randomUUID(), body: JSON.stringify(body) } as SQSEvent['Records'][number];
}

describe('the webhook delivery function', () => {
  it('delivers an event from its queue to the webhooks that want it, with the registry\'s URLs, and records it', async () => {
    const receiver = await startReceiver();
    await store().createWebhook({ name: 'fn-ok', url: receiver.url, events: ['push'], repositoryPrefix: 'fn/', secret: 'sixteen-characters', createdAt: new Date().toISOString() });
    const event = pushed('fn/app');
    expect(await handler({ Records: [message(event), message(pushed('elsewhere/app'))] })).toEqual({ batchItemFailures: [] });
    const [delivery] = await receiver.waitFor(1);
    expect(JSON.parse(delivery!.body)).toMatchObject({ events: [{ id: event.id, action: 'push', target: { url: `https://registry.example.com/v2/fn/app/manifests/${event.digest}`, tag: 'v1' } }] });
    expect(receiver.received).toHaveLength(1);
    expect((await store().listDeliveries('fn-ok', 10)).map((record) => record.outcome)).toEqual(['delivered']);
  });

  it('reports a message failed, alone, when its retry cannot be queued, for SQS to hand it out again', async () => {
    const receiver = await startReceiver(() => 500);
    await store().createWebhook({ name: 'fn-down', url: receiver.url, events: ['push'], repositoryPrefix: 'down/', secret: 'sixteen-characters', createdAt: new Date().toISOString() });
    const failing = message(pushed('down/app'));
    const fine = message(pushed('quiet/app'));
    expect(await handler({ Records: [failing, fine] })).toEqual({ batchItemFailures: [{ itemIdentifier: failing.messageId }] });
    expect((await store().listDeliveries('fn-down', 10)).map((record) => record.outcome)).toEqual(['failed']);
  });

  it('ignores a message that is neither an event of the registry nor a retry', async () => {
    const other = { messageId: 'm1', body: JSON.stringify({ source: 'aws.ecr', 'detail-type': 'ECR Image Action', detail: {} }) } as SQSEvent['Records'][number];
    expect(await handler({ Records: [other] })).toEqual({ batchItemFailures: [] });
  });
});
