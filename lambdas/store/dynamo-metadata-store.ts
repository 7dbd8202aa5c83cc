import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand,
  TransactWriteCommand, UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { attributeNames, batchGetItems, isConditionFailure, itemOf, queryPartition, scanExpired, withoutKeys, type Item, type PartitionQuery } from './dynamo-items.js';
import { ImmutableTagError, TooManyTagChangesError, UploadConflictError } from './errors.js';
import { keys } from './keys.js';
import { DEFAULT_REPOSITORY_SETTINGS } from './repository-defaults.js';
import type { DeleteTagOptions, MetadataStore, PutManifestOptions, TagStatusFilter } from './metadata-store.js';
import type {
  BlobLink, BlobRecord, ManifestContent, ManifestFields, ManifestRecord, ManifestSummary, Page, ReferrerRecord, RepositoryRecord,
  StoredManifest, TagRecord, UploadSession,
} from './records.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB allows at most 25 writes per BatchWriteItem. */
const BATCH_WRITE_LIMIT = 25;
/** DynamoDB allows at most 100 items per transaction. */
const TRANSACTION_LIMIT = 100;
/** Optimistic writes on tags re-read and retry this often before giving up. */
const MAX_ATTEMPTS = 20;

/** The manifest item's attributes a listing reads: everything but the bytes and the digest lists. */
const SUMMARY_ATTRIBUTES = ['digest', 'mediaType', 'size', 'pushedAt', 'imageSize', 'configMediaType', 'subject', 'artifactType', 'tags'];
/** Manifest fields written by a push; `pushedAt` and `tags` are maintained separately. */
const MANIFEST_FIELDS = ['digest', 'mediaType', 'size', 'imageSize', 'blobs', 'children', 'configMediaType', 'subject', 'artifactType', 'body', 'objectKey'] as const;

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
          Item: itemOf({ ...keys.repository(name), ...next }),
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

  async deleteTag(repository: string, tag: string, options: DeleteTagOptions = {}): Promise<string | undefined> {
    // The tag item and its manifest's tag set change together, on the condition that the
    // tag still points where it was read to; a concurrent move makes it read again.
    let dangling = false;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const item = await this.get(keys.tag(repository, tag));
      if (!item) return undefined;
      const digest = item.digest as string;
      const tagDelete = this.tagDelete(repository, tag, digest);
      const manifest = options.deleteUntaggedManifest ? await this.getManifest(repository, digest) : undefined;
      let writes: TransactItem[];
      if (manifest && manifest.tags.length === 1 && manifest.tags[0] === tag) {
        writes = [tagDelete, this.manifestDelete(repository, manifest), ...this.referrerDelete(repository, manifest)];
      } else if (dangling) {
        // A tag whose manifest is gone: nothing else to update.
        writes = [tagDelete];
      } else {
        writes = [tagDelete, this.tagSetRemoval(repository, digest, [tag])];
      }
      const failed = await this.transact(writes);
      if (!failed) return digest;
      dangling = writes.length === 2 && manifest === undefined && failed.has(1) && !failed.has(0);
      await backoff(attempt);
    }
    throw new Error(`tag ${tag} of ${repository} changed under ${MAX_ATTEMPTS} consecutive deletes`);
  }

  async getManifest(repository: string, digest: string): Promise<StoredManifest | undefined> {
    const item = await this.get(keys.manifest(repository, digest));
    return item && toManifest(item);
  }

  async getManifests(repository: string, digests: string[]): Promise<Map<string, StoredManifest>> {
    const items = await this.batchGet(digests.map((digest) => keys.manifest(repository, digest)));
    return new Map(items.map((item) => [item.digest as string, toManifest(item)]));
  }

  async listManifests(repository: string, after: string | undefined, limit: number, filter?: TagStatusFilter): Promise<Page<ManifestSummary>> {
    const start = after === undefined ? undefined : keys.manifest(repository, after);
    const page = await this.queryPage(keys.repositoryPartition(repository), keys.manifestPrefix, start, limit, {
      attributes: SUMMARY_ATTRIBUTES,
      // An untagged manifest has no `tags` attribute: DynamoDB drops a string set's last member with the set.
      ...(filter === undefined ? {} : { filter: filter === 'TAGGED' ? 'attribute_exists(#tags)' : 'attribute_not_exists(#tags)' }),
    });
    return { items: page.items.map((item) => ({ ...toFields(item), tags: tagsOf(item) })), more: page.more };
  }

  async putManifest(repository: string, manifest: ManifestRecord, tags: string[], referrer?: ReferrerRecord, options: PutManifestOptions = {}): Promise<void> {
    const immutable = new Set(options.immutableTags ?? []);
    // Optimistic: read where the tags point, then write on the condition that they still point
    // there. An immutable tag's condition is "absent or already this digest", so of concurrent
    // pushes to it exactly one wins and the others fail with ImmutableTagError.
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const current = await this.tagDigests(repository, tags);
      // A tag already at this digest needs no write (the bytes are the same).
      const moved = tags.filter((tag) => current.get(tag) !== manifest.digest);
      const blocked = moved.find((tag) => immutable.has(tag) && current.has(tag));
      if (blocked !== undefined) throw new ImmutableTagError(repository, blocked);
      const left = new Map<string, string[]>();
      for (const tag of moved) {
        const previous = current.get(tag);
        if (previous !== undefined) left.set(previous, [...(left.get(previous) ?? []), tag]);
      }
      const writes: TransactItem[] = [
        this.manifestUpsert(repository, manifest, moved),
        ...moved.map((tag) => this.tagPut(repository, tag, manifest, immutable.has(tag) ? { immutable: true } : { previous: current.get(tag) })),
        ...[...left].map(([digest, removed]) => this.tagSetRemoval(repository, digest, removed)),
      ];
      if (referrer) {
        writes.push({
          Put: {
            TableName: this.table,
            Item: { ...keys.referrer(repository, referrer.subject, manifest.digest), descriptor: referrer.descriptor },
          },
        });
      }
      if (writes.length > TRANSACTION_LIMIT) throw new TooManyTagChangesError(writes.length, TRANSACTION_LIMIT);
      const failed = await this.transact(writes);
      if (!failed) return;
      const lost = moved.find((tag, index) => immutable.has(tag) && failed.has(1 + index));
      if (lost !== undefined) throw new ImmutableTagError(repository, lost);
      await backoff(attempt);
    }
    throw new Error(`tags of ${repository} changed under ${MAX_ATTEMPTS} consecutive pushes`);
  }

  async deleteManifest(repository: string, digest: string): Promise<string[] | undefined> {
    const removed: string[] = [];
    for (let conflicts = 0; conflicts < MAX_ATTEMPTS;) {
      const manifest = await this.getManifest(repository, digest);
      if (!manifest) return removed.length > 0 ? removed : undefined;
      const tagDeletes = (tags: string[]) => tags.map((tag) => this.tagDelete(repository, tag, digest));
      const referrerDelete = this.referrerDelete(repository, manifest);
      let failed: Set<number> | undefined;
      if (manifest.tags.length + 1 + referrerDelete.length <= TRANSACTION_LIMIT) {
        // Every tag still pointing here and an unchanged count mean the tag set is as read.
        failed = await this.transact([...tagDeletes(manifest.tags), this.manifestDelete(repository, manifest), ...referrerDelete]);
        if (!failed) return [...removed, ...manifest.tags];
      } else {
        // More tags than one transaction takes: remove them in steps, the manifest last.
        const chunk = manifest.tags.slice(0, TRANSACTION_LIMIT - 1);
        failed = await this.transact([...tagDeletes(chunk), this.tagSetRemoval(repository, digest, chunk)]);
        if (!failed) removed.push(...chunk);
      }
      if (failed) {
        await backoff(conflicts);
        conflicts += 1;
      }
    }
    throw new Error(`manifest ${digest} of ${repository} changed under ${MAX_ATTEMPTS} consecutive deletes`);
  }

  async listReferrers(repository: string, subject: string): Promise<ReferrerRecord[]> {
    const items = await this.queryAll(keys.repositoryPartition(repository), keys.referrerPrefix(subject));
    return items.map((item) => ({ subject, descriptor: item.descriptor as ReferrerRecord['descriptor'] }));
  }

  async createUpload(session: UploadSession): Promise<void> {
    await this.client.send(new PutCommand({
      TableName: this.table,
      Item: itemOf({ ...keys.upload(session.id), ...session }),
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
        Item: itemOf({ ...keys.upload(session.id), ...session }),
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
    return (await scanExpired(this.client, this.table, keys.uploadPartitionPrefix, now, limit)).map(toUpload);
  }

  /**
   * Runs a transaction. Returns undefined when it committed; when DynamoDB cancelled it for
   * failed conditions or a conflicting transaction, the indexes of the items whose conditions
   * failed (empty if it gave no reasons), for the caller to read again and retry.
   */
  private async transact(items: TransactItem[]): Promise<Set<number> | undefined> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return undefined;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const retryable = reasons.length === 0 || reasons.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict');
      if (!retryable) throw error;
      return new Set(reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : [])));
    }
  }

  /** Where each of the tags points now. */
  private async tagDigests(repository: string, tags: string[]): Promise<Map<string, string>> {
    if (tags.length === 0) return new Map();
    const items = await this.batchGet(tags.map((tag) => keys.tag(repository, tag)), ['sk', 'digest']);
    return new Map(items.map((item) => [keys.tagFromSortKey(item.sk as string), item.digest as string]));
  }

  /** Writes the manifest's fields, keeping its first push time, and adds `tags` to its tag set. */
  private manifestUpsert(repository: string, manifest: ManifestRecord, tags: string[]): TransactItem {
    const names: Record<string, string> = { '#pushedAt': 'pushedAt' };
    const values: Item = { ':pushedAt': manifest.pushedAt };
    const set = ['#pushedAt = if_not_exists(#pushedAt, :pushedAt)'];
    const remove: string[] = [];
    for (const field of MANIFEST_FIELDS) {
      names[`#${field}`] = field;
      if (manifest[field] === undefined) {
        remove.push(`#${field}`);
      } else {
        set.push(`#${field} = :${field}`);
        values[`:${field}`] = manifest[field];
      }
    }
    let expression = `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`;
    if (tags.length > 0) {
      names['#tags'] = 'tags';
      values[':tags'] = new Set(tags);
      expression += ' ADD #tags :tags';
    }
    return {
      Update: {
        TableName: this.table,
        Key: keys.manifest(repository, manifest.digest),
        UpdateExpression: expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  /**
   * Points a tag at the manifest, with the manifest inline. Immutable: only if the tag is
   * absent or already there. Otherwise only if it still points where it was read to.
   */
  private tagPut(repository: string, tag: string, manifest: ManifestRecord, expected: { immutable: true } | { previous: string | undefined }): TransactItem {
    const content = manifest.body === undefined ? { objectKey: manifest.objectKey } : { body: manifest.body };
    const condition = 'immutable' in expected
      ? { ConditionExpression: 'attribute_not_exists(pk) OR #digest = :digest', ExpressionAttributeNames: { '#digest': 'digest' }, ExpressionAttributeValues: { ':digest': manifest.digest } }
      : expected.previous === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: '#digest = :digest', ExpressionAttributeNames: { '#digest': 'digest' }, ExpressionAttributeValues: { ':digest': expected.previous } };
    return {
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
        ...condition,
      },
    };
  }

  /** Deletes a tag item on the condition that it still points at `digest`. */
  private tagDelete(repository: string, tag: string, digest: string): TransactItem {
    return {
      Delete: {
        TableName: this.table,
        Key: keys.tag(repository, tag),
        ConditionExpression: '#digest = :digest',
        ExpressionAttributeNames: { '#digest': 'digest' },
        ExpressionAttributeValues: { ':digest': digest },
      },
    };
  }

  /** Takes tags out of an existing manifest's tag set. */
  private tagSetRemoval(repository: string, digest: string, tags: string[]): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: keys.manifest(repository, digest),
        UpdateExpression: 'DELETE #tags :tags',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#tags': 'tags' },
        ExpressionAttributeValues: { ':tags': new Set(tags) },
      },
    };
  }

  /**
   * Deletes a manifest item on the condition that its tag set still has the size read; with
   * conditions that each of those tags still points here, the set is unchanged.
   */
  private manifestDelete(repository: string, manifest: StoredManifest): TransactItem {
    const condition = manifest.tags.length === 0
      ? { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#tags)', ExpressionAttributeNames: { '#tags': 'tags' } }
      : { ConditionExpression: 'size(#tags) = :count', ExpressionAttributeNames: { '#tags': 'tags' }, ExpressionAttributeValues: { ':count': manifest.tags.length } };
    return { Delete: { TableName: this.table, Key: keys.manifest(repository, manifest.digest), ...condition } };
  }

  private referrerDelete(repository: string, manifest: StoredManifest): TransactItem[] {
    return manifest.subject ? [{ Delete: { TableName: this.table, Key: keys.referrer(repository, manifest.subject, manifest.digest) } }] : [];
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

  private batchGet(keyList: { pk: string; sk: string }[], attributes?: string[]): Promise<Item[]> {
    return batchGetItems(this.client, this.table, keyList, attributes);
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

  /**
   * Up to `limit` items in key order after `start`: their keys, or the given attributes
   * (which a filter may name as #attribute).
   */
  private async queryPage(
    pk: string, prefix: string, start: { pk: string; sk: string } | undefined, limit: number,
    select: { attributes?: string[]; filter?: string } = {},
  ): Promise<{ items: Item[]; more: boolean }> {
    const items: Item[] = [];
    let exclusiveStart: Item | undefined = start;
    // Ask for one more than needed to learn whether another page follows.
    while (items.length <= limit) {
      const result = await this.client.send(new QueryCommand({
        TableName: this.table,
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

  private queryAll(pk: string, prefix: string, filter?: PartitionQuery['filter']): Promise<Item[]> {
    return queryPartition(this.client, this.table, pk, { prefix, ...(filter ? { filter } : {}) });
  }

}

function toRepository(item: Item): RepositoryRecord {
  return { ...DEFAULT_REPOSITORY_SETTINGS, version: 1, ...withoutKeys(item) } as RepositoryRecord;
}

function toBlobLink(item: Item): BlobLink {
  return { digest: item.digest as string, size: item.size as number, objectKey: item.objectKey as string };
}

function toContent(item: Item): ManifestContent {
  return item.body === undefined
    ? { objectKey: item.objectKey as string }
    : { body: Buffer.from(item.body as Uint8Array) };
}

function toFields(item: Item): ManifestFields {
  return {
    digest: item.digest as string,
    mediaType: item.mediaType as string,
    size: item.size as number,
    pushedAt: item.pushedAt as string,
    // Items written before image sizes were recorded report their manifest's own size.
    imageSize: (item.imageSize as number | undefined) ?? (item.size as number),
    ...(item.configMediaType === undefined ? {} : { configMediaType: item.configMediaType as string }),
    ...(item.subject === undefined ? {} : { subject: item.subject as string }),
    ...(item.artifactType === undefined ? {} : { artifactType: item.artifactType as string }),
  };
}

function tagsOf(item: Item): string[] {
  return [...((item.tags as Set<string> | undefined) ?? [])].sort();
}

function toManifest(item: Item): StoredManifest {
  return {
    ...toFields(item),
    blobs: (item.blobs as string[] | undefined) ?? [],
    children: (item.children as string[] | undefined) ?? [],
    tags: tagsOf(item),
    ...toContent(item),
  };
}


/** A short, growing, jittered pause before an optimistic write tries again. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 5 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
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
