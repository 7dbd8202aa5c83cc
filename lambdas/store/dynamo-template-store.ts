import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.js';
import type { CreationTemplateRecord, TemplateStore } from './template-store.js';

type Item = Record<string, unknown>;

/** Repository creation templates in one partition of the registry's table; there are few of them. */
export class DynamoTemplateStore implements TemplateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
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
    const records: CreationTemplateRecord[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.creationTemplatePartition },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }));
      records.push(...(page.Items ?? []).map(toRecord));
      start = page.LastEvaluatedKey;
    } while (start);
    return records;
  }

  async deleteTemplate(prefix: string): Promise<CreationTemplateRecord | undefined> {
    const result = await this.client.send(new DeleteCommand({ TableName: this.table, Key: keys.creationTemplate(prefix), ReturnValues: 'ALL_OLD' }));
    return result.Attributes && toRecord(result.Attributes);
  }

  private async conditionalPut(record: CreationTemplateRecord, condition: string): Promise<boolean> {
    const item = Object.fromEntries(Object.entries({ ...keys.creationTemplate(record.prefix), ...record }).filter(([, value]) => value !== undefined));
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: condition }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function toRecord(item: Item): CreationTemplateRecord {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as unknown as CreationTemplateRecord;
}
