import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AccessKeyRecord, AccessKeyStore } from './access-key-store.js';
import { keys } from './keys.js';

type Item = Record<string, unknown>;

/** Issued access keys in the registry's table: one item per key, plus an index entry for listing. */
export class DynamoAccessKeyStore implements AccessKeyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async putAccessKey(record: AccessKeyRecord): Promise<void> {
    await this.client.send(new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: this.table, Item: { ...keys.accessKey(record.accessKeyId), ...record }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: this.table, Item: { ...keys.accessKeyIndexEntry(record.accessKeyId) } } },
      ],
    }));
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.accessKey(accessKeyId), ConsistentRead: true }));
    return result.Item && toRecord(result.Item);
  }

  async listAccessKeys(): Promise<AccessKeyRecord[]> {
    const ids: string[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.accessKeyIndexPartition },
        ExclusiveStartKey: start,
      }));
      ids.push(...(page.Items ?? []).map((item) => item.sk as string));
      start = page.LastEvaluatedKey;
    } while (start);
    const records: AccessKeyRecord[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const batch = await this.client.send(new BatchGetCommand({
        RequestItems: { [this.table]: { Keys: ids.slice(i, i + 100).map((id) => keys.accessKey(id)) } },
      }));
      records.push(...(batch.Responses?.[this.table] ?? []).map(toRecord));
    }
    return records.sort((a, b) => a.accessKeyId.localeCompare(b.accessKeyId));
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    try {
      await this.client.send(new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.table, Key: keys.accessKey(accessKeyId), ConditionExpression: 'attribute_exists(pk)' } },
          { Delete: { TableName: this.table, Key: keys.accessKeyIndexEntry(accessKeyId) } },
        ],
      }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }
}

function toRecord(item: Item): AccessKeyRecord {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as unknown as AccessKeyRecord;
}
