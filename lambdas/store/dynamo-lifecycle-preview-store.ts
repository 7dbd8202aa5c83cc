import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDocuments } from '../aws/dynamodb.js';
import { isConditionFailure, itemOf, queryPartition, withoutKeys, type Item } from './dynamo-items.js';
import { TRANSACTION_LIMIT, type TransactItem } from './dynamo-table.js';
import { keys } from './keys.js';
import type { LifecyclePreviewRecord, LifecyclePreviewResultRecord, LifecyclePreviewStore } from './lifecycle-preview-store.js';
import type { TagStatusFilter } from './metadata-store.js';
import type { Page } from './records.js';

/**
 * Lifecycle policy previews in the registry's table, in the repository's partition, so that
 * deleting the repository deletes them. The results are written before the preview item that
 * names them, so a reader never sees a preview whose results are still being written.
 */
export class DynamoLifecyclePreviewStore implements LifecyclePreviewStore {
  constructor(
    private readonly client: DynamoDocuments,
    private readonly table: string,
  ) {}

  async save(repository: string, preview: LifecyclePreviewRecord, results: LifecyclePreviewResultRecord[]): Promise<boolean> {
    // Each write holds only while the repository stands and no delete has marked it, as other writes to its partition do.
    const standing: TransactItem = {
      ConditionCheck: {
        TableName: this.table,
        Key: keys.repository(repository),
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#deleting)',
        ExpressionAttributeNames: { '#deleting': 'deleting' },
      },
    };
    const puts = results.map((result): TransactItem => ({
      Put: {
        TableName: this.table,
        Item: itemOf({ ...keys.lifecyclePreviewResult(repository, preview.previewId, result.digest), ...result, expiresAt: preview.expiresAt }),
      },
    }));
    const header: TransactItem = { Put: { TableName: this.table, Item: itemOf({ ...keys.lifecyclePreview(repository), ...preview }) } };
    const replaced = await this.get(repository);
    try {
      for (let start = 0; start < puts.length; start += TRANSACTION_LIMIT - 1) {
        await this.client.send(new TransactWriteCommand({ TransactItems: [standing, ...puts.slice(start, start + TRANSACTION_LIMIT - 1)] }));
      }
      await this.client.send(new TransactWriteCommand({ TransactItems: [standing, header] }));
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    if (replaced && replaced.previewId !== preview.previewId) await this.dropResults(repository, replaced.previewId);
    return true;
  }

  async get(repository: string): Promise<LifecyclePreviewRecord | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.lifecyclePreview(repository), ConsistentRead: true }));
    return result.Item && (withoutKeys(result.Item) as unknown as LifecyclePreviewRecord);
  }

  async listResults(repository: string, previewId: string, after: string | undefined, limit: number, filter?: TagStatusFilter): Promise<Page<LifecyclePreviewResultRecord>> {
    const prefix = keys.lifecyclePreviewResultPrefix(previewId);
    const partition = keys.lifecyclePreview(repository).pk;
    const items: Item[] = [];
    let start: Item | undefined = after === undefined ? undefined : keys.lifecyclePreviewResult(repository, previewId, after);
    // One more than asked, to learn whether more follow; a filter may need several reads to fill a page.
    do {
      const page = await this.client.send(new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ...(filter === undefined ? {} : { FilterExpression: filter === 'TAGGED' ? 'size(#tags) > :none' : 'size(#tags) = :none', ExpressionAttributeNames: { '#tags': 'tags' } }),
        ExpressionAttributeValues: { ':pk': partition, ':prefix': prefix, ...(filter === undefined ? {} : { ':none': 0 }) },
        ExclusiveStartKey: start,
        Limit: limit + 1 - items.length,
        ConsistentRead: true,
      }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && items.length <= limit);
    return {
      items: items.slice(0, limit).map((item) => withoutKeys(item) as unknown as LifecyclePreviewResultRecord),
      more: items.length > limit,
    };
  }

  private async dropResults(repository: string, previewId: string): Promise<void> {
    const stale = await queryPartition(this.client, this.table, keys.lifecyclePreview(repository).pk, { prefix: keys.lifecyclePreviewResultPrefix(previewId) });
    for (let start = 0; start < stale.length; start += TRANSACTION_LIMIT) {
      await this.client.send(new TransactWriteCommand({
        TransactItems: stale.slice(start, start + TRANSACTION_LIMIT).map((item) => ({ Delete: { TableName: this.table, Key: { pk: item.pk, sk: item.sk } } })),
      }));
    }
  }
}
