import type { Item } from './dynamo-items.js';
import type { DynamoBlobs } from './dynamo-blobs.js';
import type { DynamoRepositories, RepositoryGuard } from './dynamo-repositories.js';
import { backoff, MAX_ATTEMPTS, TRANSACTION_LIMIT, type DynamoTable, type TransactItem } from './dynamo-table.js';
import { ImmutableTagError, ManifestReferencedError, ReferencesMissingError, TooManyTagChangesError } from './errors.js';
import { UpdateCommand } from '../aws/dynamodb.js';
import { isConditionFailure } from './dynamo-items.js';
import { COLLECTION_STALLED_MS } from './gc-touch.js';
import { manifestObjectReleased } from './gc-writes.js';
import { keys } from './keys.js';
import type { DeleteTagOptions, ManifestWrite, TagStatusFilter } from './metadata-store.js';
import type {
  BlobReference, ManifestContent, ManifestFields, ManifestRecord, ManifestSummary, Page, ReferrerRecord, StoredManifest, TagRecord,
} from './records.js';

/** The manifest item's attributes a listing reads: everything but the bytes and the digest lists. */
const SUMMARY_ATTRIBUTES = ['digest', 'mediaType', 'size', 'pushedAt', 'imageSize', 'configMediaType', 'subject', 'artifactType', 'tags'];
/** Manifest fields written by a push; `pushedAt`, `tags` and `listedBy` are maintained separately. */
const MANIFEST_FIELDS = ['digest', 'mediaType', 'size', 'imageSize', 'children', 'configMediaType', 'subject', 'artifactType', 'body', 'objectKey'] as const;

/** How one transaction changes a manifest item's string sets, merged when one item plays several parts. */
interface SetChange {
  removeTags?: string[];
  addListedBy?: string;
  removeListedBy?: string;
}

/** Tags, manifests and referrer entries of repositories. */
export class DynamoImages {
  constructor(
    private readonly table: DynamoTable,
    private readonly repositories: DynamoRepositories,
    private readonly blobs: DynamoBlobs,
    private readonly now: () => number = Date.now,
  ) {}

  async getTag(repository: string, tag: string): Promise<TagRecord | undefined> {
    const item = await this.table.get(keys.tag(repository, tag));
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
    const page = await this.table.queryPage(keys.repositoryPartition(repository), keys.tagPrefix, start, limit);
    return { items: page.items.map((item) => keys.tagFromSortKey(item.sk as string)), more: page.more };
  }

  async deleteTag(repository: string, tag: string, options: DeleteTagOptions = {}): Promise<string | undefined> {
    // The tag item and its manifest's tag set change together, on the condition that the
    // tag still points where it was read to; a concurrent move makes it read again.
    let dangling = false;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const item = await this.table.get(keys.tag(repository, tag));
      if (!item) return undefined;
      const digest = item.digest as string;
      const tagDelete = this.tagDelete(repository, tag, digest);
      const manifest = options.deleteUntaggedManifest ? await this.getManifest(repository, digest) : undefined;
      let writes: TransactItem[];
      if (manifest && manifest.tags.length === 1 && manifest.tags[0] === tag && manifest.listedBy.length === 0) {
        writes = [tagDelete, ...(await this.removal(repository, manifest))];
      } else if (dangling) {
        // A tag whose manifest is gone: nothing else to update.
        writes = [tagDelete];
      } else {
        writes = [tagDelete, this.setUpdate(repository, digest, { removeTags: [tag] })];
      }
      const failed = await this.table.transact(writes);
      if (!failed) return digest;
      dangling = writes.length === 2 && manifest === undefined && failed.has(1) && !failed.has(0);
      await backoff(attempt);
    }
    throw new Error(`tag ${tag} of ${repository} changed under ${MAX_ATTEMPTS} consecutive deletes`);
  }

  async getManifest(repository: string, digest: string): Promise<StoredManifest | undefined> {
    const item = await this.table.get(keys.manifest(repository, digest));
    return item && toManifest(item);
  }

  async getManifests(repository: string, digests: string[]): Promise<Map<string, StoredManifest>> {
    const items = await this.table.batchGet(digests.map((digest) => keys.manifest(repository, digest)));
    return new Map(items.map((item) => [item.digest as string, toManifest(item)]));
  }

  async listManifests(repository: string, after: string | undefined, limit: number, filter?: TagStatusFilter): Promise<Page<ManifestSummary>> {
    const start = after === undefined ? undefined : keys.manifest(repository, after);
    const page = await this.table.queryPage(keys.repositoryPartition(repository), keys.manifestPrefix, start, limit, {
      attributes: SUMMARY_ATTRIBUTES,
      // An untagged manifest has no `tags` attribute: DynamoDB drops a string set's last member with the set.
      ...(filter === undefined ? {} : { filter: filter === 'TAGGED' ? 'attribute_exists(#tags)' : 'attribute_not_exists(#tags)' }),
    });
    return { items: page.items.map((item) => ({ ...toFields(item), tags: tagsOf(item) })), more: page.more };
  }

  /**
   * Optimistic: read the repository's version, the blob links and where the tags point, then
   * write on the condition that none of it changed. An immutable tag's condition is "absent or
   * already this digest", so of concurrent pushes to it exactly one wins and the others fail
   * with ImmutableTagError.
   *
   * What the manifest depends on is checked inside the transaction, within its 100 items:
   * - the repository: a ConditionCheck that it exists, no delete has begun and its version is
   *   the one read;
   * - blobs: an image may list thousands, too many for a check each. A link disappears only by
   *   an unlink, which bumps the repository's version in its own transaction, or by a repository
   *   delete, which marks the repository first. The links are read after the version, so a
   *   transaction whose repository check passes commits while every link read is still there;
   * - children: each child's item takes this index into `listedBy`, on the condition that it
   *   exists, and a manifest that some index lists is not deleted. An index lists at most
   *   MAX_INDEX_CHILDREN of them.
   */
  async putManifest(repository: string, write: ManifestWrite): Promise<void> {
    const { manifest, tags, referrer } = write;
    const immutable = new Set(write.immutableTags ?? []);
    const children = [...new Set(manifest.children)];
    let blobsCheckedAt: RepositoryGuard | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const guard = await this.repositories.guard(repository);
      // The links are read after the version (see above); the tags in any order.
      const recheck = blobsCheckedAt?.version !== guard.version || blobsCheckedAt === undefined;
      const [current] = await Promise.all([this.tagDigests(repository, tags), recheck ? this.checkBlobs(repository, write.blobs) : undefined]);
      blobsCheckedAt = guard;
      // A tag already at this digest needs no write (the bytes are the same).
      const moved = tags.filter((tag) => current.get(tag) !== manifest.digest);
      const blocked = moved.find((tag) => immutable.has(tag) && current.has(tag));
      if (blocked !== undefined) throw new ImmutableTagError(repository, blocked);
      // A manifest that moved tags leave may also be a child: one update of its item does both.
      const changes = new Map<string, SetChange>();
      for (const tag of moved) {
        const previous = current.get(tag);
        if (previous !== undefined) changes.set(previous, { removeTags: [...(changes.get(previous)?.removeTags ?? []), tag] });
      }
      for (const child of children) changes.set(child, { ...changes.get(child), addListedBy: manifest.digest });
      const changed = [...changes.keys()];
      const writes: TransactItem[] = [
        this.repositories.condition(repository, guard),
        this.manifestUpsert(repository, manifest, moved),
        ...moved.map((tag) => this.tagPut(repository, tag, manifest, immutable.has(tag) ? { immutable: true } : { previous: current.get(tag) })),
        ...changed.map((digest) => this.setUpdate(repository, digest, changes.get(digest)!)),
        ...(referrer ? [this.referrerPut(repository, manifest.digest, referrer)] : []),
        ...(manifest.objectKey === undefined ? [] : this.manifestObjectHeld(repository, manifest.digest)),
      ];
      if (writes.length > TRANSACTION_LIMIT) throw new TooManyTagChangesError(writes.length, TRANSACTION_LIMIT);
      const failed = await this.table.transact(writes);
      if (!failed) return;
      const lost = moved.find((tag, index) => immutable.has(tag) && failed.has(2 + index));
      if (lost !== undefined) throw new ImmutableTagError(repository, lost);
      const firstChange = 2 + moved.length;
      if (changed.some((digest, index) => failed.has(firstChange + index) && children.includes(digest))) {
        const present = await this.getManifests(repository, children);
        const missing = children.filter((child) => !present.has(child));
        if (missing.length > 0) throw new ReferencesMissingError(repository, [], missing);
      }
      await backoff(attempt);
    }
    throw new Error(`tags of ${repository} changed under ${MAX_ATTEMPTS} consecutive pushes`);
  }

  async deleteManifest(repository: string, digest: string): Promise<string[] | undefined> {
    const removed: string[] = [];
    for (let conflicts = 0; conflicts < MAX_ATTEMPTS;) {
      const manifest = await this.getManifest(repository, digest);
      if (!manifest) return removed.length > 0 ? removed : undefined;
      if (manifest.listedBy.length > 0) throw new ManifestReferencedError(repository, digest, manifest.listedBy);
      const tagDeletes = (tags: string[]) => tags.map((tag) => this.tagDelete(repository, tag, digest));
      const removal = await this.removal(repository, manifest);
      let failed: Set<number> | undefined;
      if (manifest.tags.length + removal.length <= TRANSACTION_LIMIT) {
        // Every tag still pointing here and an unchanged count mean the tag set is as read.
        failed = await this.table.transact([...tagDeletes(manifest.tags), ...removal]);
        if (!failed) return [...removed, ...manifest.tags];
      } else {
        // More tags than one transaction takes: remove them in steps, the manifest last.
        const chunk = manifest.tags.slice(0, TRANSACTION_LIMIT - 1);
        failed = await this.table.transact([...tagDeletes(chunk), this.setUpdate(repository, digest, { removeTags: chunk })]);
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
    const items = await this.table.queryAll(keys.repositoryPartition(repository), keys.referrerPrefix(subject));
    return items.map((item) => ({ subject, descriptor: item.descriptor as ReferrerRecord['descriptor'] }));
  }

  /** Every blob must be linked into the repository at its declared size; ReferencesMissingError names those that are not. */
  private async checkBlobs(repository: string, blobs: BlobReference[]): Promise<void> {
    const links = await this.blobs.getLinks(repository, [...new Set(blobs.map((blob) => blob.digest))]);
    const missing = blobs.filter((blob) => links.get(blob.digest)?.size !== blob.size).map((blob) => blob.digest);
    if (missing.length > 0) throw new ReferencesMissingError(repository, [...new Set(missing)], []);
  }

  /** Where each of the tags points now. */
  private async tagDigests(repository: string, tags: string[]): Promise<Map<string, string>> {
    if (tags.length === 0) return new Map();
    const items = await this.table.batchGet(tags.map((tag) => keys.tag(repository, tag)), ['sk', 'digest']);
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
        TableName: this.table.name,
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
        TableName: this.table.name,
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
        TableName: this.table.name,
        Key: keys.tag(repository, tag),
        ConditionExpression: '#digest = :digest',
        ExpressionAttributeNames: { '#digest': 'digest' },
        ExpressionAttributeValues: { ':digest': digest },
      },
    };
  }

  /** Changes an existing manifest's tag set and `listedBy` set. */
  private setUpdate(repository: string, digest: string, change: SetChange): TransactItem {
    const names: Record<string, string> = {};
    const values: Item = {};
    const add: string[] = [];
    const remove: string[] = [];
    if (change.removeTags) {
      names['#tags'] = 'tags';
      values[':tags'] = new Set(change.removeTags);
      remove.push('#tags :tags');
    }
    const listedBy = change.addListedBy ?? change.removeListedBy;
    if (listedBy !== undefined) {
      names['#listedBy'] = 'listedBy';
      values[':listedBy'] = new Set([listedBy]);
      (change.addListedBy === undefined ? remove : add).push('#listedBy :listedBy');
    }
    const expression = [add.length > 0 ? `ADD ${add.join(', ')}` : '', remove.length > 0 ? `DELETE ${remove.join(', ')}` : ''].filter(Boolean).join(' ');
    return {
      Update: {
        TableName: this.table.name,
        Key: keys.manifest(repository, digest),
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  /**
   * The writes that remove a manifest item: on the condition that its tag set still has the size
   * read (with conditions that each of those tags still points here, the set is unchanged) and no
   * index lists it; with its referrer entry, and taking it off its children's `listedBy`.
   */
  private async removal(repository: string, manifest: StoredManifest): Promise<TransactItem[]> {
    const names: Record<string, string> = { '#tags': 'tags', '#listedBy': 'listedBy' };
    const condition = manifest.tags.length === 0
      ? { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#tags) AND attribute_not_exists(#listedBy)', ExpressionAttributeNames: names }
      : { ConditionExpression: 'size(#tags) = :count AND attribute_not_exists(#listedBy)', ExpressionAttributeNames: names, ExpressionAttributeValues: { ':count': manifest.tags.length } };
    // Children pushed before indexes were recorded in them have nothing to take off.
    const children = [...(await this.getManifests(repository, manifest.children)).values()].filter((child) => child.listedBy.includes(manifest.digest));
    return [
      { Delete: { TableName: this.table.name, Key: keys.manifest(repository, manifest.digest), ...condition } },
      ...(manifest.subject ? [{ Delete: { TableName: this.table.name, Key: keys.referrer(repository, manifest.subject, manifest.digest) } }] : []),
      ...children.map((child) => this.setUpdate(repository, child.digest, { removeListedBy: manifest.digest })),
      ...(manifest.objectKey === undefined ? [] : manifestObjectReleased(this.table.name, repository, manifest.digest, this.now())),
    ];
  }

  /** A manifest kept in S3 records that the repository holds its object (reserved before the bytes were written). */
  private manifestObjectHeld(repository: string, digest: string): TransactItem[] {
    return [{ Put: { TableName: this.table.name, Item: { ...keys.manifestObjectRef(digest, repository) } } }];
  }

  async reserveManifestObject(digest: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const now = this.now();
      try {
        await this.table.client.send(new UpdateCommand({
          TableName: this.table.name,
          Key: keys.gcQueuedManifest(digest),
          UpdateExpression: 'SET #digest = :digest, #queuedAt = :now REMOVE #deleting, #deletingSince',
          ConditionExpression: 'attribute_not_exists(#deleting) OR #deletingSince < :stalled',
          ExpressionAttributeNames: { '#digest': 'digest', '#queuedAt': 'queuedAt', '#deleting': 'deleting', '#deletingSince': 'deletingSince' },
          ExpressionAttributeValues: { ':digest': digest, ':now': now, ':stalled': now - COLLECTION_STALLED_MS },
        }));
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // A collection deletes one object: it is done in moments.
        await backoff(attempt);
      }
    }
    throw new Error(`manifest object ${digest} is being garbage-collected; push again`);
  }

  private referrerPut(repository: string, digest: string, referrer: ReferrerRecord): TransactItem {
    return {
      Put: {
        TableName: this.table.name,
        Item: { ...keys.referrer(repository, referrer.subject, digest), descriptor: referrer.descriptor },
      },
    };
  }
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
    children: (item.children as string[] | undefined) ?? [],
    tags: tagsOf(item),
    listedBy: [...((item.listedBy as Set<string> | undefined) ?? [])].sort(),
    ...toContent(item),
  };
}
