import { isAwsError, type AwsError } from '../aws/aws-error.js';
import { BatchGetCommand, QueryCommand, ScanCommand, type DynamoDocuments } from '../aws/dynamodb.js';
import { TTL_ATTRIBUTE } from './table-schema.js';

/** Helpers every DynamoDB adapter of the one table shares. */

export type Item = Record<string, unknown>;

/** A failed condition, on its own or as the reason a transaction was cancelled. */
export function isConditionFailure(error: unknown): boolean {
  if (isAwsError(error, 'ConditionalCheckFailedException')) return true;
  return isAwsError(error, 'TransactionCanceledException') && cancellationReasons(error).some((reason) => reason.Code === 'ConditionalCheckFailed');
}

/** Why DynamoDB cancelled a transaction: one reason per item, in the transaction's order. */
export function cancellationReasons(error: AwsError): { Code?: string }[] {
  return (error.CancellationReasons as { Code?: string }[] | undefined) ?? [];
}

/** An item with its unset attributes left out, as DynamoDB wants it. */
export function itemOf(value: Item): Item {
  return Object.fromEntries(Object.entries(value).filter(([, attribute]) => attribute !== undefined));
}

/** A record as read back: the item without its key attributes. */
export function withoutKeys(item: Item): Item {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record;
}

export interface PartitionQuery {
  /** Only items whose sort key begins with this. */
  prefix?: string;
  filter?: { expression: string; names: Record<string, string>; values: Item };
}

/** Every item of a partition (strongly consistent), page after page. */
export async function queryPartition(client: DynamoDocuments, table: string, pk: string, query: PartitionQuery = {}): Promise<Item[]> {
  const { prefix, filter } = query;
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const result = await client.send(new QueryCommand({
      TableName: table,
      KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
      FilterExpression: filter?.expression,
      ExpressionAttributeNames: filter?.names,
      ExpressionAttributeValues: { ':pk': pk, ...(prefix ? { ':prefix': prefix } : {}), ...filter?.values },
      ExclusiveStartKey: start,
      ConsistentRead: true,
    }));
    items.push(...(result.Items ?? []));
    start = result.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * Up to `limit` items of partitions beginning with `partitionPrefix` whose expiry (epoch seconds)
 * is before `now`. A scan of the whole table, acceptable only because local mode, where no TTL
 * process runs, is its one caller.
 */
export async function scanExpired(client: DynamoDocuments, table: string, partitionPrefix: string, now: number, limit: number): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(new ScanCommand({
      TableName: table,
      FilterExpression: 'begins_with(pk, :prefix) AND #expiresAt < :now',
      ExpressionAttributeNames: { '#expiresAt': TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ':prefix': partitionPrefix, ':now': now },
      ExclusiveStartKey: start,
    }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start && items.length < limit);
  return items.slice(0, limit);
}

/** DynamoDB allows at most 100 keys per BatchGetItem. */
const BATCH_GET_LIMIT = 100;

/** `#name` placeholders for attribute names, which may be reserved words. */
export function attributeNames(attributes: string[]): Record<string, string> {
  return Object.fromEntries(attributes.map((name) => [`#${name}`, name]));
}

/** The items that exist of the given keys (strongly consistent), optionally only some attributes. */
export async function batchGetItems(client: DynamoDocuments, table: string, keyList: { pk: string; sk: string }[], attributes?: string[]): Promise<Item[]> {
  const found: Item[] = [];
  const unique = [...new Map(keyList.map((key) => [`${key.pk}\u0000${key.sk}`, key])).values()];
  const projection = attributes && { ProjectionExpression: attributes.map((name) => `#${name}`).join(', '), ExpressionAttributeNames: attributeNames(attributes) };
  for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
    let request: Record<string, { Keys: Item[]; ConsistentRead: boolean }> | undefined = {
      [table]: { Keys: unique.slice(i, i + BATCH_GET_LIMIT), ConsistentRead: true, ...projection },
    };
    // DynamoDB may return part of a batch under load; ask again for the rest.
    while (request && Object.keys(request).length > 0) {
      const result = await client.send(new BatchGetCommand({ RequestItems: request }));
      found.push(...(result.Responses?.[table] ?? []));
      request = result.UnprocessedKeys as typeof request;
    }
  }
  return found;
}
