import { DeleteCommand, PutCommand, UpdateCommand } from '../aws/dynamodb.js';
import { isConditionFailure, itemOf, scanExpired, type Item } from './dynamo-items.js';
import type { DynamoTable } from './dynamo-table.js';
import { UploadConflictError } from './errors.js';
import { keys } from './keys.js';
import type { UploadSession } from './records.js';

/** Upload sessions of the OCI blob upload, each leased to one request at a time. */
export class DynamoUploads {
  constructor(private readonly table: DynamoTable) {}

  async create(session: UploadSession): Promise<void> {
    await this.table.client.send(new PutCommand({
      TableName: this.table.name,
      Item: itemOf({ ...keys.upload(session.id), ...session }),
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
  }

  async get(id: string): Promise<UploadSession | undefined> {
    const item = await this.table.get(keys.upload(id));
    return item && toUpload(item);
  }

  async claim(id: string, offset: number, lease: string, leaseUntil: number, now: number): Promise<void> {
    try {
      await this.table.client.send(new UpdateCommand({
        TableName: this.table.name,
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

  async save(session: UploadSession, lease: string): Promise<void> {
    try {
      await this.table.client.send(new PutCommand({
        TableName: this.table.name,
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

  async delete(id: string): Promise<void> {
    await this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: keys.upload(id) }));
  }

  async expired(now: number, limit: number): Promise<UploadSession[]> {
    return (await scanExpired(this.table.client, this.table.name, keys.uploadPartitionPrefix, now, limit)).map(toUpload);
  }
}

function toUpload(item: Item): UploadSession {
  return {
    id: item.id as string,
    repository: item.repository as string,
    offset: item.offset as number,
    hashState: new Uint8Array(item.hashState as Uint8Array),
    ...(item.pending === undefined ? {} : { pending: item.pending as UploadSession['pending'] }),
    ...(item.multipart === undefined ? {} : { multipart: item.multipart as UploadSession['multipart'] }),
    ...(item.whole === undefined ? {} : { whole: item.whole as UploadSession['whole'] }),
    createdAt: item.createdAt as string,
    expiresAt: item.expiresAt as number,
  };
}
