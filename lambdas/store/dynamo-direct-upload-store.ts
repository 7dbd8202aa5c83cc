import { DeleteCommand, DynamoDocuments, GetCommand, PutCommand } from '../aws/dynamodb.js';
import type { DirectUploadRecord, DirectUploadStore } from './direct-upload-store.js';
import { isConditionFailure, itemOf, scanExpired, withoutKeys, type Item } from './dynamo-items.js';
import { keys } from './keys.js';

/** Direct uploads in the registry's table, one item each, expired by TTL. */
export class DynamoDirectUploadStore implements DirectUploadStore {
  constructor(
    private readonly client: DynamoDocuments,
    private readonly table: string,
  ) {}

  async putDirectUpload(record: DirectUploadRecord): Promise<void> {
    const item = itemOf({ ...keys.directUpload(record.id), ...record });
    await this.client.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async getDirectUpload(id: string): Promise<DirectUploadRecord | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.directUpload(id), ConsistentRead: true }));
    return result.Item && toRecord(result.Item);
  }

  async deleteDirectUpload(id: string): Promise<boolean> {
    // Conditional, so that of concurrent deletes exactly one succeeds: DynamoDB Local may hand the old item to several.
    try {
      await this.client.send(new DeleteCommand({ TableName: this.table, Key: keys.directUpload(id), ConditionExpression: 'attribute_exists(pk)' }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async expiredDirectUploads(now: number, limit: number): Promise<DirectUploadRecord[]> {
    return (await scanExpired(this.client, this.table, keys.directUploadPartitionPrefix, now, limit)).map(toRecord);
  }
}

function toRecord(item: Item): DirectUploadRecord {
  return withoutKeys(item) as unknown as DirectUploadRecord;
}
