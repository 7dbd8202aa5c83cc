import { isAwsError } from '../aws/aws-error.js';
import {
  GetCommand, PutCommand, QueryCommand, TransactWriteCommand,
  type DynamoDocuments, type TransactWriteCommandInput,
} from '../aws/dynamodb.js';
import { attributeNames, batchGetItems, cancellationReasons, isConditionFailure, queryPartition, type Item, type PartitionQuery } from './dynamo-items.js';

/** The reads and writes the metadata store's aggregates share, on its one table. */

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
export type Key = { pk: string; sk: string };

/** DynamoDB allows at most 100 items per transaction. */
export const TRANSACTION_LIMIT = 100;
/** Optimistic writes re-read and retry this often before giving up. */
export const MAX_ATTEMPTS = 20;

export class DynamoTable {
  constructor(
    readonly client: DynamoDocuments,
    readonly name: string,
  ) {}

  async get(key: Key, attributes?: string[]): Promise<Item | undefined> {
    const result = await this.client.send(new GetCommand({
      TableName: this.name,
      Key: key,
      ConsistentRead: true,
      ...(attributes ? { ProjectionExpression: attributes.map((name) => `#${name}`).join(', '), ExpressionAttributeNames: attributeNames(attributes) } : {}),
    }));
    return result.Item;
  }

  async putIfAbsent(item: Item): Promise<boolean> {
    try {
      await this.client.send(new PutCommand({ TableName: this.name, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  batchGet(keyList: Key[], attributes?: string[]): Promise<Item[]> {
    return batchGetItems(this.client, this.name, keyList, attributes);
  }

  /**
   * Runs a transaction. Returns undefined when it committed; when DynamoDB cancelled it for
   * failed conditions or a conflicting transaction, the indexes of the items whose conditions
   * failed (empty if it gave no reasons), for the caller to read again and retry.
   */
  async transact(items: TransactItem[]): Promise<Set<number> | undefined> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return undefined;
    } catch (error) {
      if (!isAwsError(error, 'TransactionCanceledException')) throw error;
      const reasons = cancellationReasons(error);
      const retryable = reasons.length === 0 || reasons.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict');
      if (!retryable) throw error;
      return new Set(reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : [])));
    }
  }

  /**
   * Up to `limit` items in key order after `start`: their keys, or the given attributes
   * (which a filter may name as #attribute).
   */
  async queryPage(
    pk: string, prefix: string, start: Key | undefined, limit: number,
    select: { attributes?: string[]; filter?: string } = {},
  ): Promise<{ items: Item[]; more: boolean }> {
    const items: Item[] = [];
    let exclusiveStart: Item | undefined = start;
    // Ask for one more than needed to learn whether another page follows.
    while (items.length <= limit) {
      const result = await this.client.send(new QueryCommand({
        TableName: this.name,
        KeyConditionExpression: prefix === '' ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: prefix === '' ? { ':pk': pk } : { ':pk': pk, ':prefix': prefix },
        ProjectionExpression: select.attributes ? select.attributes.map((name) => `#${name}`).join(', ') : 'pk, sk',
        ...(select.attributes ? { ExpressionAttributeNames: attributeNames(select.attributes) } : {}),
        ...(select.filter ? { FilterExpression: select.filter } : {}),
        ExclusiveStartKey: exclusiveStart,
        Limit: limit + 1 - items.length,
        ConsistentRead: true,
      }));
      items.push(...(result.Items ?? []));
      exclusiveStart = result.LastEvaluatedKey;
      if (!exclusiveStart) break;
    }
    return { items: items.slice(0, limit), more: items.length > limit };
  }

  queryAll(pk: string, prefix: string, filter?: PartitionQuery['filter']): Promise<Item[]> {
    return queryPartition(this.client, this.name, pk, { prefix, ...(filter ? { filter } : {}) });
  }
}

/** A short, growing, jittered pause before an optimistic write tries again. */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 5 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
