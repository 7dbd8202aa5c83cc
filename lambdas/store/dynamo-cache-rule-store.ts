import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, type DynamoDocuments } from '../aws/dynamodb.js';
import type { CacheRuleRecord, CacheRuleStore, UpstreamManifestRecord, UpstreamTagRecord } from './cache-rule-store.js';
import { isConditionFailure, itemOf, queryPartition, withoutKeys, type Item } from './dynamo-items.js';
import { keys } from './keys.js';

/** Pull-through cache rules in one partition of the registry's table (ECR allows 50), and the cache's upstream records in their repositories' partitions. */
export class DynamoCacheRuleStore implements CacheRuleStore {
  constructor(
    private readonly client: DynamoDocuments,
    private readonly table: string,
  ) {}

  createRule(record: CacheRuleRecord): Promise<boolean> {
    return this.conditionalPut(record, 'attribute_not_exists(pk)');
  }

  replaceRule(record: CacheRuleRecord): Promise<boolean> {
    return this.conditionalPut(record, 'attribute_exists(pk)');
  }

  async getRule(prefix: string): Promise<CacheRuleRecord | undefined> {
    const item = await this.get(keys.cacheRule(prefix));
    return item && (withoutKeys(item) as unknown as CacheRuleRecord);
  }

  async listRules(): Promise<CacheRuleRecord[]> {
    return (await queryPartition(this.client, this.table, keys.cacheRulePartition)).map((item) => withoutKeys(item) as unknown as CacheRuleRecord);
  }

  async deleteRule(prefix: string): Promise<CacheRuleRecord | undefined> {
    const result = await this.client.send(new DeleteCommand({ TableName: this.table, Key: keys.cacheRule(prefix), ReturnValues: 'ALL_OLD' }));
    return result.Attributes && (withoutKeys(result.Attributes) as unknown as CacheRuleRecord);
  }

  async getUpstreamTag(repository: string, tag: string): Promise<UpstreamTagRecord | undefined> {
    const item = await this.get(keys.upstreamTag(repository, tag));
    return item && (withoutKeys(item) as unknown as UpstreamTagRecord);
  }

  async putUpstreamTag(repository: string, record: UpstreamTagRecord): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: itemOf({ ...keys.upstreamTag(repository, record.tag), ...record }) }));
  }

  async getUpstreamManifest(repository: string, digest: string): Promise<UpstreamManifestRecord | undefined> {
    const item = await this.get(keys.upstreamManifest(repository, digest));
    if (!item) return undefined;
    const { body, ...rest } = withoutKeys(item) as unknown as UpstreamManifestRecord;
    return { ...rest, ...(body ? { body: Buffer.from(body) } : {}) };
  }

  /**
   * A manifest held in S3 (its object reserved first, as for a push: HeldManifests) also records
   * that the repository holds its object, as a stored manifest's record does (DynamoImages): the
   * garbage collector keeps an object some repository holds. Once the image is stored, its
   * manifest's record holds the object under the same key.
   */
  async putUpstreamManifest(repository: string, record: UpstreamManifestRecord): Promise<void> {
    const held = { Put: { TableName: this.table, Item: itemOf({ ...keys.upstreamManifest(repository, record.digest), ...record }) } };
    if (record.objectKey === undefined) {
      await this.client.send(new PutCommand(held.Put));
      return;
    }
    await this.client.send(new TransactWriteCommand({
      TransactItems: [
        held,
        { Put: { TableName: this.table, Item: { ...keys.manifestObjectRef(record.digest, repository) } } },
      ],
    }));
  }

  async deleteUpstreamManifest(repository: string, digest: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: keys.upstreamManifest(repository, digest) }));
  }

  private async get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    return (await this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))).Item;
  }

  private async conditionalPut(record: CacheRuleRecord, condition: string): Promise<boolean> {
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: itemOf({ ...keys.cacheRule(record.ecrRepositoryPrefix), ...record }), ConditionExpression: condition }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
