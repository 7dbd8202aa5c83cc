import { PutCommand } from '../aws/dynamodb.js';
import type { Item } from './dynamo-items.js';
import type { DynamoRepositories } from './dynamo-repositories.js';
import { backoff, MAX_ATTEMPTS, type DynamoTable, type TransactItem } from './dynamo-table.js';
import { RepositoryNotFoundError } from './errors.js';
import { BlobCollectedError } from './gc-errors.js';
import { refreshTouch } from './gc-touch.js';
import { queueBlob, storedBytesChange } from './gc-writes.js';
import { keys } from './keys.js';
import type { BlobLink, BlobRecord } from './records.js';

/** Stale touches a listing of links refreshes at once. */
const REFRESH_CONCURRENCY = 16;

/**
 * Blob records (one per digest) and the links that let a repository serve a blob. Reads that a
 * push relies on, and every link, touch what they use (./gc-touch.ts); unlinks queue the blob for
 * the garbage collector.
 */
export class DynamoBlobs {
  constructor(
    private readonly table: DynamoTable,
    private readonly repositories: DynamoRepositories,
    private readonly now: () => number = Date.now,
  ) {}

  /** The record, touched: a push reads it to link the blob. Undefined once collected. */
  async get(digest: string): Promise<BlobRecord | undefined> {
    const item = await this.table.get(keys.blob(digest));
    if (!item || !(await refreshTouch(this.table, keys.blob(digest), item, this.now()))) return undefined;
    return { digest, size: item.size as number, objectKey: item.objectKey as string, createdAt: item.createdAt as string };
  }

  /** Creates the record, counting its bytes as stored; false when a record for the digest exists. */
  async put(record: BlobRecord): Promise<boolean> {
    const failed = await this.transact([
      { Put: { TableName: this.table.name, Item: { ...keys.blob(record.digest), ...record, touchedAt: this.now() }, ConditionExpression: 'attribute_not_exists(pk)' } },
      storedBytesChange(this.table.name, record.digest, record.size),
    ]);
    return failed.size === 0;
  }

  async queueUploadObject(objectKey: string, digest: string): Promise<void> {
    await this.table.client.send(new PutCommand({ TableName: this.table.name, Item: { ...keys.gcQueuedObject(objectKey), digest, queuedAt: this.now() } }));
  }

  async repositoriesWith(digest: string, limit: number): Promise<string[]> {
    const page = await this.table.queryPage(keys.blobPartition(digest), keys.reverseLinkPrefix, undefined, limit);
    return page.items.map((item) => keys.repositoryFromReverseLink(item.sk as string));
  }

  /** The link, touched: a pull or a push reads it. Undefined once collected. */
  async getLink(repository: string, digest: string): Promise<BlobLink | undefined> {
    const item = await this.table.get(keys.blobLink(repository, digest));
    if (!item || !(await refreshTouch(this.table, keys.blobLink(repository, digest), item, this.now()))) return undefined;
    return toBlobLink(item);
  }

  /** The links that exist, touched: a manifest push checks its blobs with them. */
  async getLinks(repository: string, digests: string[]): Promise<Map<string, BlobLink>> {
    const items = await this.table.batchGet(digests.map((digest) => keys.blobLink(repository, digest)));
    const now = this.now();
    const kept: Item[] = [];
    for (let i = 0; i < items.length; i += REFRESH_CONCURRENCY) {
      const batch = items.slice(i, i + REFRESH_CONCURRENCY);
      const alive = await Promise.all(batch.map((item) => refreshTouch(this.table, keys.blobLink(repository, item.digest as string), item, now)));
      kept.push(...batch.filter((_, index) => alive[index]));
    }
    return new Map(kept.map((item) => [item.digest as string, toBlobLink(item)]));
  }

  /**
   * Links the blob, only into a repository that exists and is not being deleted, and only while
   * the blob record exists (BlobCollectedError otherwise), touching both.
   */
  async link(repository: string, link: BlobLink): Promise<void> {
    const now = this.now();
    const failed = await this.transact([
      this.repositories.condition(repository),
      { Put: { TableName: this.table.name, Item: { ...keys.blobLink(repository, link.digest), ...link, touchedAt: now } } },
      { Put: { TableName: this.table.name, Item: { ...keys.blobReverseLink(link.digest, repository) } } },
      {
        Update: {
          TableName: this.table.name,
          Key: keys.blob(link.digest),
          UpdateExpression: 'SET #touchedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#touchedAt': 'touchedAt' },
          ExpressionAttributeValues: { ':now': now },
        },
      },
    ]);
    if (failed.has(0)) throw new RepositoryNotFoundError(repository);
    if (failed.has(3)) throw new BlobCollectedError(link.digest);
  }

  /**
   * Removes the link, and bumps the repository's version in the same transaction: a manifest
   * write that checked its blobs before this fails its condition on that version. The blob goes
   * on the garbage collector's queue, in case this was its last link.
   */
  async unlink(repository: string, digest: string): Promise<boolean> {
    const failed = await this.transact([
      { Delete: { TableName: this.table.name, Key: keys.blobLink(repository, digest), ConditionExpression: 'attribute_exists(pk)' } },
      { Delete: { TableName: this.table.name, Key: keys.blobReverseLink(digest, repository) } },
      this.repositories.versionBump(repository),
      queueBlob(this.table.name, digest, this.now()),
    ]);
    return failed.size === 0;
  }

  /** Runs the transaction, again after conflicts; returns the items whose conditions failed (none when it committed). */
  private async transact(items: TransactItem[]): Promise<Set<number>> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const failed = await this.table.transact(items);
      if (!failed) return new Set();
      if (failed.size > 0) return failed;
      await backoff(attempt);
    }
    throw new Error(`a blob link changed under ${MAX_ATTEMPTS} consecutive writes`);
  }
}

function toBlobLink(item: Item): BlobLink {
  return { digest: item.digest as string, size: item.size as number, objectKey: item.objectKey as string };
}
