import { DynamoDocuments, GetCommand, TransactWriteCommand } from '../aws/dynamodb.js';
import type { AccessKeyRecord, AccessKeyStore } from './access-key-store.js';
import { batchGetItems, isConditionFailure, queryPartition, withoutKeys, type Item } from './dynamo-items.js';
import { keys } from './keys.js';


/** Issued access keys in the registry's table: one item per key, plus an index entry for listing. */
export class DynamoAccessKeyStore implements AccessKeyStore {
  constructor(
    private readonly client: DynamoDocuments,
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
    const ids = (await queryPartition(this.client, this.table, keys.accessKeyIndexPartition)).map((item) => item.sk as string);
    const records = (await batchGetItems(this.client, this.table, ids.map((id) => keys.accessKey(id)))).map(toRecord);
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
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function toRecord(item: Item): AccessKeyRecord {
  return withoutKeys(item) as unknown as AccessKeyRecord;
}
