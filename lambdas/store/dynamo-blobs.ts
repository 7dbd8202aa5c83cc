import type { Item } from './dynamo-items.js';
import type { DynamoRepositories } from './dynamo-repositories.js';
import { backoff, MAX_ATTEMPTS, type DynamoTable, type TransactItem } from './dynamo-table.js';
import { RepositoryNotFoundError } from './errors.js';
import { keys } from './keys.js';
import type { BlobLink, BlobRecord } from './records.js';

/** Blob records (one per digest) and the links that let a repository serve a blob. */
export class DynamoBlobs {
  constructor(
    private readonly table: DynamoTable,
    private readonly repositories: DynamoRepositories,
  ) {}

  async get(digest: string): Promise<BlobRecord | undefined> {
    const item = await this.table.get(keys.blob(digest));
    return item && {
      digest, size: item.size as number, objectKey: item.objectKey as string, createdAt: item.createdAt as string,
    };
  }

  put(record: BlobRecord): Promise<boolean> {
    return this.table.putIfAbsent({ ...keys.blob(record.digest), ...record });
  }

  async repositoriesWith(digest: string, limit: number): Promise<string[]> {
    const page = await this.table.queryPage(keys.blobPartition(digest), keys.reverseLinkPrefix, undefined, limit);
    return page.items.map((item) => keys.repositoryFromReverseLink(item.sk as string));
  }

  async getLink(repository: string, digest: string): Promise<BlobLink | undefined> {
    const item = await this.table.get(keys.blobLink(repository, digest));
    return item && toBlobLink(item);
  }

  async getLinks(repository: string, digests: string[]): Promise<Map<string, BlobLink>> {
    const items = await this.table.batchGet(digests.map((digest) => keys.blobLink(repository, digest)));
    return new Map(items.map((item) => [item.digest as string, toBlobLink(item)]));
  }

  /** Links the blob, only into a repository that exists and is not being deleted. */
  async link(repository: string, link: BlobLink): Promise<void> {
    const failed = await this.transact([
      this.repositories.condition(repository),
      { Put: { TableName: this.table.name, Item: { ...keys.blobLink(repository, link.digest), ...link } } },
      { Put: { TableName: this.table.name, Item: { ...keys.blobReverseLink(link.digest, repository) } } },
    ]);
    if (failed.has(0)) throw new RepositoryNotFoundError(repository);
  }

  /**
   * Removes the link, and bumps the repository's version in the same transaction: a manifest
   * write that checked its blobs before this fails its condition on that version.
   */
  async unlink(repository: string, digest: string): Promise<boolean> {
    const failed = await this.transact([
      { Delete: { TableName: this.table.name, Key: keys.blobLink(repository, digest), ConditionExpression: 'attribute_exists(pk)' } },
      { Delete: { TableName: this.table.name, Key: keys.blobReverseLink(digest, repository) } },
      this.repositories.versionBump(repository),
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
