import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDocuments } from '../aws/dynamodb.js';
import { isConditionFailure, itemOf, queryPartition, withoutKeys, type Item } from './dynamo-items.js';
import { keys } from './keys.js';
import type { DeliveryRecord, WebhookRecord, WebhookStore } from './webhook-store.js';

/** Webhook subscriptions and their delivery attempts in the registry's table. */
export class DynamoWebhookStore implements WebhookStore {
  constructor(
    private readonly client: DynamoDocuments,
    private readonly table: string,
  ) {}

  async createWebhook(record: WebhookRecord): Promise<boolean> {
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: itemOf({ ...keys.webhook(record.name), ...record }), ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getWebhook(name: string): Promise<WebhookRecord | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.webhook(name), ConsistentRead: true }));
    return result.Item && (withoutKeys(result.Item) as unknown as WebhookRecord);
  }

  async listWebhooks(): Promise<WebhookRecord[]> {
    return (await queryPartition(this.client, this.table, keys.webhookPartition)).map((item) => withoutKeys(item) as unknown as WebhookRecord);
  }

  async deleteWebhook(name: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteCommand({ TableName: this.table, Key: keys.webhook(name), ConditionExpression: 'attribute_exists(pk)' }));
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    // A webhook created again under the name starts with no history; TTL would remove these only later.
    const deliveries = await queryPartition(this.client, this.table, keys.webhookDeliveryPartition(name), { prefix: keys.webhookDeliveryPrefix });
    await Promise.all(deliveries.map((item) => this.client.send(new DeleteCommand({ TableName: this.table, Key: { pk: item.pk, sk: item.sk } }))));
    return true;
  }

  async recordDelivery(record: DeliveryRecord): Promise<void> {
    const key = keys.webhookDelivery(record.webhook, record.at, record.eventId, record.attempt);
    await this.client.send(new PutCommand({ TableName: this.table, Item: itemOf({ ...key, ...record }) }));
  }

  async listDeliveries(name: string, limit: number): Promise<DeliveryRecord[]> {
    const result = await this.client.send(new QueryCommand({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.webhookDeliveryPartition(name), ':prefix': keys.webhookDeliveryPrefix },
      ScanIndexForward: false,
      Limit: limit,
      ConsistentRead: true,
    }));
    return (result.Items ?? []).map((item: Item) => withoutKeys(item) as unknown as DeliveryRecord);
  }
}
