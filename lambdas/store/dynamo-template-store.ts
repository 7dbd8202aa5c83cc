import { DeleteCommand, DynamoDocuments, GetCommand, PutCommand } from '../aws/dynamodb.js';
import { isConditionFailure, itemOf, queryPartition, withoutKeys, type Item } from './dynamo-items.js';
import { keys } from './keys.js';
import type { CreationTemplateRecord, TemplateStore } from './template-store.js';

/** Repository creation templates in one partition of the registry's table; there are few of them. */
export class DynamoTemplateStore implements TemplateStore {
  constructor(
    private readonly client: DynamoDocuments,
    private readonly table: string,
  ) {}

  createTemplate(record: CreationTemplateRecord): Promise<boolean> {
    return this.conditionalPut(record, 'attribute_not_exists(pk)');
  }

  replaceTemplate(record: CreationTemplateRecord): Promise<boolean> {
    return this.conditionalPut(record, 'attribute_exists(pk)');
  }

  async getTemplate(prefix: string): Promise<CreationTemplateRecord | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.creationTemplate(prefix), ConsistentRead: true }));
    return result.Item && toRecord(result.Item);
  }

  async listTemplates(): Promise<CreationTemplateRecord[]> {
    return (await queryPartition(this.client, this.table, keys.creationTemplatePartition)).map(toRecord);
  }

  async deleteTemplate(prefix: string): Promise<CreationTemplateRecord | undefined> {
    const result = await this.client.send(new DeleteCommand({ TableName: this.table, Key: keys.creationTemplate(prefix), ReturnValues: 'ALL_OLD' }));
    return result.Attributes && toRecord(result.Attributes);
  }

  private async conditionalPut(record: CreationTemplateRecord, condition: string): Promise<boolean> {
    const item = itemOf({ ...keys.creationTemplate(record.prefix), ...record });
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: condition }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function toRecord(item: Item): CreationTemplateRecord {
  return withoutKeys(item) as unknown as CreationTemplateRecord;
}
