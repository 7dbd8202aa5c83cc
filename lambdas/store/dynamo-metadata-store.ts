import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand, BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand,
  ScanCommand, TransactWriteCommand, UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { UploadConflictError } from './errors.js';
import { keys } from './keys.js';
import { DEFAULT_REPOSITORY_SETTINGS } from './repository-defaults.js';
import { TTL_ATTRIBUTE } from './table-schema.js';
import type { MetadataStore } from './metadata-store.js';
import type {
  BlobLink, BlobRecord, ManifestContent, ManifestRecord, Page, ReferrerRecord, RepositoryRecord, TagRecord, UploadSession,
} from './records.js';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB allows at most 100 keys per BatchGetItem and 25 writes per BatchWriteItem. */
const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;

/** The metadata store on one DynamoDB table; see ./keys.ts for the key tree. */
export class DynamoMetadataStore implements MetadataStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getRepository(name: string): Promise<RepositoryRecord | undefined> {
    const item = await this.get(keys.repository(name));
    return item && toRepository(item);
  }

  async updateRepository(name: string, change: (record: RepositoryRecord) => RepositoryRecord): Promise<RepositoryRecord | undefined> {
    // Optimistic concurrency: a concurrent update makes the condition fail, and the change is applied again on fresh data.
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const current = await this.getRepository(name);
      if (!current) return undefined;
      const next = { ...change(current), name, version: current.version + 1 };
      try {
        await this.client.send(new PutCommand({
          TableName: this.table,
          Item: dropUndefined({ ...keys.repository(name), ...next }),
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': current.version },
        }));
        return next;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new Error(`repository ${name} changed under 10 consecutive updates`);
  }

  async hasManifests(name: string): Promise<boolean> {
    const page = await this.queryPage(keys.repositoryPartition(name), keys.manifestPrefix, undefined, 1);
    return page.items.length > 0;
  }

  async deleteRepository(name: string): Promise<RepositoryRecord | undefined> {
    const record = await this.getRepository(name);
    if (!record) return undefined;
    const items = await this.queryAll(keys.repositoryPartition(name), '');
    const contents = items
      .map((item) => ({ pk: item.pk as string, sk: item.sk as string }))
      .filter((key) => key.sk !== keys.repository(name).sk);
    const reverseLinks = items
      .filter((item) => keys.isBlobLink(item.sk as string))
      .map((item) => keys.blobReverseLink(item.digest as string, name));
    // Contents go first and the repository record last, so an interrupted delete leaves a
    // repository that still exists and can be deleted again, never orphaned items.
    await this.batchDelete([...reverseLinks, ...contents]);
    await this.client.send(new TransactWriteCommand({
      TransactItems: [
        { Delete: { TableName: this.table, Key: keys.repository(name) } },
        { Delete: { TableName: this.table, Key: keys.catalogEntry(name) } },
      ],
    }));
    return record;
  }

  async createRepository(record: RepositoryRecord): Promise<boolean> {
    try {
      await this.client.send(new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.table, Item: { ...keys.repository(record.name), ...record }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: this.table, Item: { ...keys.catalogEntry(record.name) } } },
        ],
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async listRepositories(after: string | undefined, limit: number): Promise<Page<string>> {
    const page = await this.queryPage(keys.catalogPartition, '', after === undefined ? undefined : keys.catalogEntry(after), limit);
    return { items: page.items.map((item) => item.sk as string), more: page.more };
  }

  async getBlob(digest: string): Promise<BlobRecord | undefined> {
    const item = await this.get(keys.blob(digest));
    return item && {
      digest, size: item.size as number, objectKey: item.objectKey as string, createdAt: item.createdAt as string,
    };
  }

  async putBlob(record: BlobRecord): Promise<boolean> {
    return this.putIfAbsent({ ...keys.blob(record.digest), ...record });
  }

  async repositoriesWithBlob(digest: string, limit: number): Promise<string[]> {
    const page = await this.queryPage(keys.blobPartition(digest), keys.reverseLinkPrefix, undefined, limit);
    return page.items.map((item) => keys.repositoryFromReverseLink(item.sk as string));
  }

  async getBlobLink(repository: string, digest: string): Promise<BlobLink | undefined> {
    const item = await this.get(keys.blobLink(repository, digest));
    return item && toBlobLink(item);
  }

  async getBlobLinks(repository: string, digests: string[]): Promise<Map<string, BlobLink>> {
    const items = await this.batchGet(digests.map((digest) => keys.blobLink(repository, digest)));
    return new Map(items.map((item) => [item.digest as string, toBlobLink(item)]));
  }

  async linkBlob(repository: string, link: BlobLink): Promise<void> {
    await this.client.send(new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: this.table, Item: { ...keys.blobLink(repository, link.digest), ...link } } },
        { Put: { TableName: this.table, Item: { ...keys.blobReverseLink(link.digest, repository) } } },
      ],
    }));
  }

  async unlinkBlob(repository: string, digest: string): Promise<boolean> {
    try {
      await this.client.send(new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.table, Key: keys.blobLink(repository, digest), ConditionExpression: 'attribute_exists(pk)' } },
          { Delete: { TableName: this.table, Key: keys.blobReverseLink(digest, repository) } },
        ],
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getTag(repository: string, tag: string): Promise<TagRecord | undefined> {
    const item = await this.get(keys.tag(repository, tag));
    return item && {
      tag,
      digest: item.digest as string,
      mediaType: item.mediaType as string,
      size: item.size as number,
      updatedAt: item.updatedAt as string,
      ...toContent(item),
    };
  }

  async listTags(repository: string, after: string | undefined, limit: number): Promise<Page<string>> {
    const start = after === undefined ? undefined : keys.tag(repository, after);
    const page = await this.queryPage(keys.repositoryPartition(repository), keys.tagPrefix, start, limit);
    return { items: page.items.map((item) => keys.tagFromSortKey(item.sk as string)), more: page.more };
  }

  async deleteTag(repository: string, tag: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteCommand({
        TableName: this.table, Key: keys.tag(repository, tag), ConditionExpression: 'attribute_exists(pk)',
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getManifest(repository: string, digest: string): Promise<ManifestRecord | undefined> {
    const item = await this.get(keys.manifest(repository, digest));
    return item && toManifest(item);
  }

  async getManifests(repository: string, digests: string[]): Promise<Map<string, ManifestRecord>> {
    const items = await this.batchGet(digests.map((digest) => keys.manifest(repository, digest)));
    return new Map(items.map((item) => [item.digest as string, toManifest(item)]));
  }

  async putManifest(repository: string, manifest: ManifestRecord, tags: string[], referrer?: ReferrerRecord): Promise<void> {
    const content = manifest.body === undefined ? { objectKey: manifest.objectKey } : { body: manifest.body };
    const writes: TransactItem[] = [
      { Put: { TableName: this.table, Item: dropUndefined({ ...keys.manifest(repository, manifest.digest), ...manifest }) } },
      ...tags.map((tag): TransactItem => ({
        Put: {
          TableName: this.table,
          Item: {
            ...keys.tag(repository, tag),
            digest: manifest.digest,
            mediaType: manifest.mediaType,
            size: manifest.size,
            updatedAt: manifest.pushedAt,
            ...content,
          },
        },
      })),
    ];
    if (referrer) {
      writes.push({
        Put: {
          TableName: this.table,
          Item: { ...keys.referrer(repository, referrer.subject, manifest.digest), descriptor: referrer.descriptor },
        },
      });
    }
    await this.client.send(new TransactWriteCommand({ TransactItems: writes }));
  }

  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    const manifest = await this.getManifest(repository, digest);
    if (!manifest) return false;
    const tags = await this.tagsPointingAt(repository, digest);
    const deletes: Item[] = [
      keys.manifest(repository, digest),
      ...tags.map((tag) => keys.tag(repository, tag)),
      ...(manifest.subject ? [keys.referrer(repository, manifest.subject, digest)] : []),
    ];
    // Transactions take at most 100 items; a manifest with more tags is deleted in steps, tags first.
    for (let end = deletes.length; end > 0; end -= 100) {
      const chunk = deletes.slice(Math.max(0, end - 100), end);
      await this.client.send(new TransactWriteCommand({
        TransactItems: chunk.map((Key) => ({ Delete: { TableName: this.table, Key } })),
      }));
    }
    return true;
  }

  async listReferrers(repository: string, subject: string): Promise<ReferrerRecord[]> {
    const items = await this.queryAll(keys.repositoryPartition(repository), keys.referrerPrefix(subject));
    return items.map((item) => ({ subject, descriptor: item.descriptor as ReferrerRecord['descriptor'] }));
  }

  async createUpload(session: UploadSession): Promise<void> {
    await this.client.send(new PutCommand({
      TableName: this.table,
      Item: dropUndefined({ ...keys.upload(session.id), ...session }),
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
  }

  async getUpload(id: string): Promise<UploadSession | undefined> {
    const item = await this.get(keys.upload(id));
    return item && toUpload(item);
  }

  async claimUpload(id: string, offset: number, lease: string, leaseUntil: number, now: number): Promise<void> {
    try {
      await this.client.send(new UpdateCommand({
        TableName: this.table,
        Key: keys.upload(id),
        UpdateExpression: 'SET #lease = :lease, #leaseUntil = :until',
        ConditionExpression: 'attribute_exists(pk) AND #offset = :offset AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)',
        ExpressionAttributeNames: { '#offset': 'offset', '#lease': 'lease', '#leaseUntil': 'leaseUntil' },
        ExpressionAttributeValues: { ':lease': lease, ':until': leaseUntil, ':offset': offset, ':now': now },
      }));
    } catch (error) {
      if (isConditionFailure(error)) throw new UploadConflictError(id);
      throw error;
    }
  }

  async saveUpload(session: UploadSession, lease: string): Promise<void> {
    try {
      await this.client.send(new PutCommand({
        TableName: this.table,
        Item: dropUndefined({ ...keys.upload(session.id), ...session }),
        ConditionExpression: '#lease = :lease',
        ExpressionAttributeNames: { '#lease': 'lease' },
        ExpressionAttributeValues: { ':lease': lease },
      }));
    } catch (error) {
      if (isConditionFailure(error)) throw new UploadConflictError(session.id);
      throw error;
    }
  }

  async deleteUpload(id: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: keys.upload(id) }));
  }

  async expiredUploads(now: number, limit: number): Promise<UploadSession[]> {
    // A scan, acceptable only because local mode, where no TTL process runs, is its one caller.
    const sessions: UploadSession[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(new ScanCommand({
        TableName: this.table,
        FilterExpression: 'begins_with(pk, :prefix) AND #expiresAt < :now',
        ExpressionAttributeNames: { '#expiresAt': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':prefix': keys.uploadPartitionPrefix, ':now': now },
        ExclusiveStartKey: start,
      }));
      sessions.push(...(page.Items ?? []).map(toUpload));
      start = page.LastEvaluatedKey;
    } while (start && sessions.length < limit);
    return sessions.slice(0, limit);
  }

  private async get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
    return result.Item;
  }

  private async putIfAbsent(item: Item): Promise<boolean> {
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async batchGet(keyList: { pk: string; sk: string }[]): Promise<Item[]> {
    const found: Item[] = [];
    const unique = [...new Map(keyList.map((key) => [`${key.pk}\u0000${key.sk}`, key])).values()];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      let request: Record<string, { Keys: Item[]; ConsistentRead: boolean }> | undefined = {
        [this.table]: { Keys: unique.slice(i, i + BATCH_GET_LIMIT), ConsistentRead: true },
      };
      // DynamoDB may return part of a batch under load; ask again for the rest.
      while (request && Object.keys(request).length > 0) {
        const result = await this.client.send(new BatchGetCommand({ RequestItems: request }));
        found.push(...(result.Responses?.[this.table] ?? []));
        request = result.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }

  private async batchDelete(keyList: { pk: string; sk: string }[]): Promise<void> {
    for (let i = 0; i < keyList.length; i += BATCH_WRITE_LIMIT) {
      let request: Record<string, { DeleteRequest: { Key: Item } }[]> | undefined = {
        [this.table]: keyList.slice(i, i + BATCH_WRITE_LIMIT).map((Key) => ({ DeleteRequest: { Key } })),
      };
      while (request && Object.keys(request).length > 0) {
        const result = await this.client.send(new BatchWriteCommand({ RequestItems: request }));
        request = result.UnprocessedItems as typeof request;
      }
    }
  }

  private async queryPage(pk: string, prefix: string, start: { pk: string; sk: string } | undefined, limit: number): Promise<{ items: Item[]; more: boolean }> {
    const items: Item[] = [];
    let exclusiveStart: Item | undefined = start;
    // Ask for one more than needed to learn whether another page follows.
    while (items.length <= limit) {
      const result = await this.client.send(new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: prefix === '' ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: prefix === '' ? { ':pk': pk } : { ':pk': pk, ':prefix': prefix },
        ProjectionExpression: 'pk, sk',
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

  private async queryAll(pk: string, prefix: string, filter?: { expression: string; names: Record<string, string>; values: Item }): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const result = await this.client.send(new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: prefix === '' ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: filter?.expression,
        ExpressionAttributeNames: filter?.names,
        ExpressionAttributeValues: { ':pk': pk, ...(prefix === '' ? {} : { ':prefix': prefix }), ...filter?.values },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }));
      items.push(...(result.Items ?? []));
      start = result.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async tagsPointingAt(repository: string, digest: string): Promise<string[]> {
    const items = await this.queryAll(keys.repositoryPartition(repository), keys.tagPrefix, {
      expression: '#digest = :digest', names: { '#digest': 'digest' }, values: { ':digest': digest },
    });
    return items.map((item) => keys.tagFromSortKey(item.sk as string));
  }
}

function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  return error instanceof TransactionCanceledException
    && (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');
}

function dropUndefined(item: Item): Item {
  return Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));
}

function toRepository(item: Item): RepositoryRecord {
  const { pk: _pk, sk: _sk, ...record } = item;
  return { ...DEFAULT_REPOSITORY_SETTINGS, version: 1, ...record } as RepositoryRecord;
}

function toBlobLink(item: Item): BlobLink {
  return { digest: item.digest as string, size: item.size as number, objectKey: item.objectKey as string };
}

function toContent(item: Item): ManifestContent {
  return item.body === undefined
    ? { objectKey: item.objectKey as string }
    : { body: Buffer.from(item.body as Uint8Array) };
}

function toManifest(item: Item): ManifestRecord {
  return {
    digest: item.digest as string,
    mediaType: item.mediaType as string,
    size: item.size as number,
    pushedAt: item.pushedAt as string,
    blobs: (item.blobs as string[] | undefined) ?? [],
    children: (item.children as string[] | undefined) ?? [],
    ...(item.subject === undefined ? {} : { subject: item.subject as string }),
    ...(item.artifactType === undefined ? {} : { artifactType: item.artifactType as string }),
    ...toContent(item),
  };
}

function toUpload(item: Item): UploadSession {
  return {
    id: item.id as string,
    repository: item.repository as string,
    offset: item.offset as number,
    hashState: new Uint8Array(item.hashState as Uint8Array),
    ...(item.pending === undefined ? {} : { pending: item.pending as UploadSession['pending'] }),
    ...(item.multipart === undefined ? {} : { multipart: item.multipart as UploadSession['multipart'] }),
    createdAt: item.createdAt as string,
    expiresAt: item.expiresAt as number,
  };
}
