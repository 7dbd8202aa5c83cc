import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDocuments } from '../aws/dynamodb.js';
import { isConditionFailure, type Item } from './dynamo-items.js';
import { DynamoRepositories } from './dynamo-repositories.js';
import { DynamoTable, type TransactItem } from './dynamo-table.js';
import type { GcBlobState, GcCursor, GcLinkState, GcStore, QueuedEntry } from './gc-store.js';
import { touchedAtOf, untouchedCondition } from './gc-touch.js';
import { queueBlob, storedBytesChange } from './gc-writes.js';
import { keys } from './keys.js';
import type { Page } from './records.js';

/** The garbage collector's reads and conditional writes on the one table (see ./keys.ts). */
export class DynamoGcStore implements GcStore {
  private readonly table: DynamoTable;
  private readonly repositories: DynamoRepositories;

  constructor(client: DynamoDocuments, tableName: string, private readonly now: () => number = Date.now) {
    this.table = new DynamoTable(client, tableName);
    this.repositories = new DynamoRepositories(this.table);
  }

  async linksOf(repository: string, after: string | undefined, limit: number): Promise<Page<GcLinkState>> {
    const start = after === undefined ? undefined : keys.blobLink(repository, after);
    const page = await this.table.queryPage(keys.repositoryPartition(repository), keys.blobLink(repository, '').sk, start, limit, {
      attributes: ['digest', 'size', 'touchedAt'],
    });
    return { items: page.items.map((item) => ({ digest: item.digest as string, size: item.size as number, ...touched(item) })), more: page.more };
  }

  unlinkUntouched(repository: string, link: GcLinkState): Promise<boolean> {
    return this.commits([
      { Delete: { TableName: this.table.name, Key: keys.blobLink(repository, link.digest), ...untouchedCondition(rawTouch(link)) } },
      { Delete: { TableName: this.table.name, Key: keys.blobReverseLink(link.digest, repository) } },
      this.repositories.versionBump(repository),
      queueBlob(this.table.name, link.digest, this.now()),
    ]);
  }

  async queuePage(shard: number, after: string | undefined, limit: number): Promise<Page<QueuedEntry & { sk: string }>> {
    const pk = keys.gcQueuePartition(shard);
    const page = await this.table.queryPage(pk, '', after === undefined ? undefined : { pk, sk: after }, limit, { attributes: ['sk', 'digest', 'queuedAt', 'deleting', 'deletingSince'] });
    return {
      items: page.items.map((item) => {
        const sk = item.sk as string;
        return {
          ...keys.gcQueueEntry(sk),
          sk,
          ...(item.digest === undefined ? {} : { digest: item.digest as string }),
          queuedAt: item.queuedAt as number | undefined,
          ...(item.deleting === undefined ? {} : { deleting: { token: item.deleting as string, since: item.deletingSince as number } }),
        };
      }),
      more: page.more,
    };
  }

  async dropQueued(entry: QueuedEntry): Promise<boolean> {
    try {
      await this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: queueKey(entry), ...unchangedEntry(entry) }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async blob(digest: string): Promise<GcBlobState | undefined> {
    const item = await this.table.get(keys.blob(digest));
    return item && { digest, size: item.size as number, objectKey: item.objectKey as string, ...touched(item) };
  }

  async holders(digest: string, limit: number): Promise<string[]> {
    const page = await this.table.queryPage(keys.blobPartition(digest), keys.reverseLinkPrefix, undefined, limit);
    return page.items.map((item) => keys.repositoryFromReverseLink(item.sk as string));
  }

  collectBlob(blob: GcBlobState): Promise<boolean> {
    return this.commits([
      { Delete: { TableName: this.table.name, Key: keys.blob(blob.digest), ...untouchedCondition(rawTouch(blob)) } },
      { Delete: { TableName: this.table.name, Key: keys.gcQueuedBlob(blob.digest) } },
      storedBytesChange(this.table.name, blob.digest, -blob.size),
      this.objectDeletion(blob.objectKey),
    ]);
  }

  async manifestObjectHeld(digest: string): Promise<boolean> {
    const page = await this.table.queryPage(keys.manifestObjectPartition(digest), '', undefined, 1);
    return page.items.length > 0;
  }

  async claimManifestObject(entry: QueuedEntry, token: string): Promise<boolean> {
    const condition = entry.deleting === undefined
      ? { ConditionExpression: `(${unchangedEntry(entry).ConditionExpression}) AND attribute_not_exists(#deleting)`, values: unchangedEntry(entry).ExpressionAttributeValues ?? {} }
      : { ConditionExpression: '#deleting = :seen', values: { ':seen': entry.deleting.token } };
    try {
      await this.table.client.send(new UpdateCommand({
        TableName: this.table.name,
        Key: keys.gcQueuedManifest(entry.id),
        UpdateExpression: 'SET #deleting = :token, #deletingSince = :now',
        ConditionExpression: condition.ConditionExpression,
        ExpressionAttributeNames: { '#queuedAt': 'queuedAt', '#deleting': 'deleting', '#deletingSince': 'deletingSince' },
        ExpressionAttributeValues: { ...condition.values, ':token': token, ':now': this.now() },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async manifestObjectDeleted(digest: string, token: string): Promise<void> {
    try {
      await this.table.client.send(new DeleteCommand({
        TableName: this.table.name,
        Key: keys.gcQueuedManifest(digest),
        ConditionExpression: '#deleting = :token',
        ExpressionAttributeNames: { '#deleting': 'deleting' },
        ExpressionAttributeValues: { ':token': token },
      }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async objectDeleted(objectKey: string): Promise<void> {
    await this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: keys.gcQueuedObject(objectKey) }));
  }

  async cursor(): Promise<GcCursor | undefined> {
    const item = await this.table.get(keys.gcCursor);
    return item?.cursor as GcCursor | undefined;
  }

  async saveCursor(cursor: GcCursor | undefined): Promise<void> {
    if (cursor === undefined) await this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: keys.gcCursor }));
    else await this.table.client.send(new PutCommand({ TableName: this.table.name, Item: { ...keys.gcCursor, cursor } }));
  }

  async storedBytes(): Promise<number> {
    const items = await this.table.queryAll(keys.gcPartition, keys.gcStoredBytesPrefix);
    return items.reduce((sum, item) => sum + ((item.bytes as number | undefined) ?? 0), 0);
  }

  /** Queues an object to delete at once: nothing refers to it any more. */
  private objectDeletion(objectKey: string): TransactItem {
    return { Put: { TableName: this.table.name, Item: { ...keys.gcQueuedObject(objectKey), queuedAt: this.now() } } };
  }

  /** Whether the transaction committed; a failed condition or a conflict leaves the work to a later pass. */
  private async commits(items: TransactItem[]): Promise<boolean> {
    return (await this.table.transact(items)) === undefined;
  }
}

function touched(item: Item): { touchedAt: number | undefined; lastUsed: number } {
  return { touchedAt: typeof item.touchedAt === 'number' ? item.touchedAt : undefined, lastUsed: touchedAtOf(item) };
}

/** The touch as the item held it, for the condition that it is unchanged. */
function rawTouch(state: { touchedAt: number | undefined }): Item {
  return state.touchedAt === undefined ? {} : { touchedAt: state.touchedAt };
}

function queueKey(entry: QueuedEntry): { pk: string; sk: string } {
  if (entry.kind === 'BLOB') return keys.gcQueuedBlob(entry.id);
  if (entry.kind === 'MANIFEST') return keys.gcQueuedManifest(entry.id);
  return keys.gcQueuedObject(entry.id);
}

function unchangedEntry(entry: QueuedEntry): { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Item } {
  return entry.queuedAt === undefined
    ? { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#queuedAt)', ExpressionAttributeNames: { '#queuedAt': 'queuedAt' } }
    : { ConditionExpression: '#queuedAt = :queuedAt', ExpressionAttributeNames: { '#queuedAt': 'queuedAt' }, ExpressionAttributeValues: { ':queuedAt': entry.queuedAt } };
}
