import type { TransactItem } from './dynamo-table.js';
import { gcShard, keys } from './keys.js';

/** Writes that keep the garbage collector's queue and counters, made inside the transactions that change what they track. */

/**
 * The write that puts a blob on the garbage collector's queue. Entries carry when they were
 * queued, so that the collector drops one only on the condition that nobody queued it again since.
 */
export function queueBlob(tableName: string, digest: string, now: number): TransactItem {
  return { Put: { TableName: tableName, Item: { ...keys.gcQueuedBlob(digest), digest, queuedAt: now } } };
}

/** The write that adds `bytes` (negative: removes) to the stored-bytes counter. */
export function storedBytesChange(tableName: string, digest: string, bytes: number): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.gcStoredBytes(gcShard(digest)),
      UpdateExpression: 'ADD #bytes :bytes',
      ExpressionAttributeNames: { '#bytes': 'bytes' },
      ExpressionAttributeValues: { ':bytes': bytes },
    },
  };
}

/**
 * The writes that record a repository no longer holding the manifest object of `digest`, and
 * queue the object for the garbage collector, which deletes it once no repository holds it.
 */
export function manifestObjectReleased(tableName: string, repository: string, digest: string, now: number): TransactItem[] {
  return [
    { Delete: { TableName: tableName, Key: keys.manifestObjectRef(digest, repository) } },
    { Put: { TableName: tableName, Item: { ...keys.gcQueuedManifest(digest), digest, queuedAt: now } } },
  ];
}
