import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '../aws/dynamodb.js';
import { isConditionFailure, itemOf, withoutKeys, type Item } from './dynamo-items.js';
import { backoff, MAX_ATTEMPTS, type DynamoTable, type TransactItem } from './dynamo-table.js';
import { RepositoryNotEmptyError, RepositoryNotFoundError } from './errors.js';
import { manifestObjectReleased, queueBlob } from './gc-writes.js';
import { keys } from './keys.js';
import type { DeleteRepositoryOptions } from './metadata-store.js';
import type { Page, RepositoryRecord } from './records.js';
import { DEFAULT_REPOSITORY_SETTINGS } from './repository-defaults.js';

/**
 * Repositories, and the guard every write into one depends on.
 *
 * The repository item carries `version`, bumped by every settings update, by every blob unlink
 * and when a delete begins, and `deleting`, the token of a delete under way. Every write that
 * creates items in a repository's partition (manifests, tags, referrers, blob links) carries a
 * ConditionCheck on the repository item in its transaction, so once `deleting` is set nothing
 * new appears there: the delete can then remove what it finds, page by page, and the next
 * repository of that name starts empty.
 */

/**
 * Items removed per transaction: a blob link takes three writes (the link, its reverse link and
 * its blob's queue entry for the garbage collector), as does a manifest kept in S3 (the manifest,
 * its object's reference and queue entry); plus the guard.
 */
const PURGE_PAGE = 33;

/** What a manifest write read of its repository, to make its transaction conditional on it. */
export interface RepositoryGuard {
  /** undefined for an item written before versions were kept. */
  version: number | undefined;
}

export class DynamoRepositories {
  constructor(private readonly table: DynamoTable) {}

  /** The repository, or undefined when it does not exist or a delete of it has begun. */
  async get(name: string): Promise<RepositoryRecord | undefined> {
    const item = await this.table.get(keys.repository(name));
    return item && item.deleting === undefined ? toRepository(item) : undefined;
  }

  async create(record: RepositoryRecord): Promise<boolean> {
    try {
      await this.table.client.send(new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.table.name, Item: { ...keys.repository(record.name), ...record }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: this.table.name, Item: { ...keys.catalogEntry(record.name) } } },
        ],
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async update(name: string, change: (record: RepositoryRecord) => RepositoryRecord): Promise<RepositoryRecord | undefined> {
    // Optimistic concurrency: a concurrent update (or unlink, or delete) bumps the version, the
    // condition fails, and the change is applied again on fresh data.
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const current = await this.get(name);
      if (!current) return undefined;
      const next = { ...change(current), name, version: current.version + 1 };
      try {
        await this.table.client.send(new PutCommand({
          TableName: this.table.name,
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

  async list(after: string | undefined, limit: number): Promise<Page<string>> {
    const page = await this.table.queryPage(keys.catalogPartition, '', after === undefined ? undefined : keys.catalogEntry(after), limit);
    return { items: page.items.map((item) => item.sk as string), more: page.more };
  }

  /** Reads what a write into the repository depends on; RepositoryNotFoundError when it may not be written. */
  async guard(name: string): Promise<RepositoryGuard> {
    const item = await this.table.get(keys.repository(name), ['version', 'deleting']);
    if (!item || item.deleting !== undefined) throw new RepositoryNotFoundError(name);
    return { version: item.version as number | undefined };
  }

  /**
   * The transaction item that makes a write conditional on the repository: it exists, no delete
   * of it has begun and, given a guard, its version is still the one read.
   */
  condition(name: string, guard?: RepositoryGuard): TransactItem {
    const names: Record<string, string> = { '#deleting': 'deleting' };
    let expression = 'attribute_exists(pk) AND attribute_not_exists(#deleting)';
    const values: Item = {};
    if (guard) {
      names['#version'] = 'version';
      if (guard.version === undefined) {
        expression += ' AND attribute_not_exists(#version)';
      } else {
        expression += ' AND #version = :version';
        values[':version'] = guard.version;
      }
    }
    return {
      ConditionCheck: {
        TableName: this.table.name,
        Key: keys.repository(name),
        ConditionExpression: expression,
        ExpressionAttributeNames: names,
        ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
      },
    };
  }

  /** The transaction item that bumps the version, failing writes that read the repository before. */
  versionBump(name: string): TransactItem {
    return {
      Update: {
        TableName: this.table.name,
        Key: keys.repository(name),
        UpdateExpression: 'SET #version = if_not_exists(#version, :one) + :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':one': 1 },
      },
    };
  }

  /**
   * Marks the repository deleting (writes into it fail from then on), removes its items page
   * by page, then the repository item itself. A delete that finds one under way joins it.
   */
  async delete(name: string, options: DeleteRepositoryOptions = {}): Promise<RepositoryRecord | undefined> {
    let deleted: RepositoryRecord | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const item = await this.table.get(keys.repository(name));
      // Gone, or replaced by a new repository of the name once another delete finished this one.
      if (!item || (deleted && item.createdAt !== deleted.createdAt)) return deleted;
      let token = item.deleting as string | undefined;
      if (token === undefined) {
        token = await this.mark(name, item.version as number | undefined);
        if (token === undefined) continue;
        if (options.ifEmpty && (await this.holdsManifests(name))) {
          await this.unmark(name, token);
          throw new RepositoryNotEmptyError(name);
        }
      } else if (options.ifEmpty && (await this.holdsManifests(name))) {
        throw new RepositoryNotEmptyError(name);
      }
      deleted ??= toRepository(item);
      if (await this.purge(name, token)) return deleted;
      await backoff(attempt);
    }
    throw new Error(`repository ${name} changed under ${MAX_ATTEMPTS} consecutive deletes`);
  }

  private async holdsManifests(name: string): Promise<boolean> {
    const page = await this.table.queryPage(keys.repositoryPartition(name), keys.manifestPrefix, undefined, 1);
    return page.items.length > 0;
  }

  /** Sets `deleting` if the repository is still at `version`; returns the delete's token, or undefined if it changed. */
  private async mark(name: string, version: number | undefined): Promise<string | undefined> {
    const token = randomUUID();
    try {
      await this.table.client.send(new UpdateCommand({
        TableName: this.table.name,
        Key: keys.repository(name),
        UpdateExpression: 'SET #deleting = :token, #version = if_not_exists(#version, :one) + :one',
        ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(#deleting) AND ${version === undefined ? 'attribute_not_exists(#version)' : '#version = :version'}`,
        ExpressionAttributeNames: { '#deleting': 'deleting', '#version': 'version' },
        ExpressionAttributeValues: { ':token': token, ':one': 1, ...(version === undefined ? {} : { ':version': version }) },
      }));
      return token;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Lifts this delete's mark: the repository takes writes again. */
  private async unmark(name: string, token: string): Promise<void> {
    try {
      await this.table.client.send(new UpdateCommand({
        TableName: this.table.name,
        Key: keys.repository(name),
        UpdateExpression: 'REMOVE #deleting SET #version = #version + :one',
        ConditionExpression: '#deleting = :token',
        ExpressionAttributeNames: { '#deleting': 'deleting', '#version': 'version' },
        ExpressionAttributeValues: { ':token': token, ':one': 1 },
      }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Removes the repository's items and then the repository, each step on the condition that the
   * mark `token` is still there. Returns false when the mark was lifted or replaced.
   */
  private async purge(name: string, token: string): Promise<boolean> {
    const marked: TransactItem = {
      ConditionCheck: {
        TableName: this.table.name,
        Key: keys.repository(name),
        ConditionExpression: '#deleting = :token',
        ExpressionAttributeNames: { '#deleting': 'deleting' },
        ExpressionAttributeValues: { ':token': token },
      },
    };
    // One pass suffices: while the mark stands, no write adds items to the partition.
    let start: Item | undefined;
    do {
      const page = await this.table.client.send(new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.repositoryPartition(name) },
        ProjectionExpression: 'pk, sk, digest, objectKey',
        ExclusiveStartKey: start,
        Limit: PURGE_PAGE,
        ConsistentRead: true,
      }));
      const now = Date.now();
      const deletes = (page.Items ?? []).filter((item) => item.sk !== keys.repository(name).sk).flatMap((item): TransactItem[] => {
        const key = { pk: item.pk as string, sk: item.sk as string };
        const own: TransactItem = { Delete: { TableName: this.table.name, Key: key } };
        if (keys.isBlobLink(key.sk)) {
          const digest = item.digest as string;
          return [own, { Delete: { TableName: this.table.name, Key: keys.blobReverseLink(digest, name) } }, queueBlob(this.table.name, digest, now)];
        }
        // Tags carry the object key too; the manifest's item alone holds the reference.
        if (key.sk.startsWith(keys.manifestPrefix) && item.objectKey !== undefined) {
          return [own, ...manifestObjectReleased(this.table.name, name, item.digest as string, now)];
        }
        return [own];
      });
      if (deletes.length > 0 && !(await this.transactWhileMarked([marked, ...deletes]))) return false;
      start = page.LastEvaluatedKey;
    } while (start);
    return this.transactWhileMarked([
      { Delete: { ...marked.ConditionCheck!, Key: keys.repository(name) } },
      { Delete: { TableName: this.table.name, Key: keys.catalogEntry(name) } },
    ]);
  }

  /** Runs the transaction, again after conflicts; false when its first item, the mark's condition, failed. */
  private async transactWhileMarked(items: TransactItem[]): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const failed = await this.table.transact(items);
      if (!failed) return true;
      if (failed.has(0)) return false;
      await backoff(attempt);
    }
    throw new Error(`items of a deleted repository changed under ${MAX_ATTEMPTS} consecutive deletes`);
  }
}

function toRepository(item: Item): RepositoryRecord {
  const { deleting: _deleting, ...record } = withoutKeys(item);
  return { ...DEFAULT_REPOSITORY_SETTINGS, version: 1, ...record } as RepositoryRecord;
}
