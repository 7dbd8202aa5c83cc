import { UpdateCommand } from '../aws/dynamodb.js';
import { isConditionFailure, type Item } from './dynamo-items.js';
import type { DynamoTable, Key } from './dynamo-table.js';

/**
 * Touches: how blob records and blob links show the garbage collector they are in use.
 *
 * Every write that creates or re-creates a blob link, and every read a push relies on before it
 * writes (a blob record read to link it, a link read to answer a HEAD or to check a manifest's
 * blobs), leaves `touchedAt` at most TOUCH_REFRESH_MS old. The collector deletes a record or a
 * link only on the condition that `touchedAt` is still the value it read, older than its grace
 * period (lambdas/gc/garbage-collector.ts gives the whole argument).
 */

/** A read refreshes a touch older than this; so a record in steady use costs one write per interval, not one per read. */
export const TOUCH_REFRESH_MS = 15 * 60 * 1000;

/**
 * A collection of a manifest object marks its queue entry `deleting` while it deletes the object;
 * a push of that manifest waits for it to finish. A mark older than this belongs to a collector
 * that stopped midway: a push then takes the entry over, and a later pass deletes nothing of it.
 */
export const COLLECTION_STALLED_MS = 5 * 60 * 1000;

/** When the item was last touched: items written before touches were kept count from their creation, or from never. */
export function touchedAtOf(item: Item): number {
  if (typeof item.touchedAt === 'number') return item.touchedAt;
  const created = typeof item.createdAt === 'string' ? Date.parse(item.createdAt) : Number.NaN;
  return Number.isNaN(created) ? 0 : created;
}

/** The condition that the item is still as untouched as when it was read. */
export function untouchedCondition(item: Item): { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Item } {
  return typeof item.touchedAt === 'number'
    ? { ConditionExpression: '#touchedAt = :touchedAt', ExpressionAttributeNames: { '#touchedAt': 'touchedAt' }, ExpressionAttributeValues: { ':touchedAt': item.touchedAt } }
    : { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#touchedAt)', ExpressionAttributeNames: { '#touchedAt': 'touchedAt' } };
}

/**
 * Refreshes a stale touch of an item just read. False when the item is gone meanwhile (collected):
 * the reader must then act as if it had not found it.
 */
export async function refreshTouch(table: DynamoTable, key: Key, item: Item, now: number): Promise<boolean> {
  if (now - touchedAtOf(item) < TOUCH_REFRESH_MS) return true;
  try {
    await table.client.send(new UpdateCommand({
      TableName: table.name,
      Key: key,
      UpdateExpression: 'SET #touchedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#touchedAt': 'touchedAt' },
      ExpressionAttributeValues: { ':now': now },
    }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
