import { DeleteCommand, PutCommand, type DynamoDocuments } from '../aws/dynamodb.js';
import { isConditionFailure, itemOf, withoutKeys } from '../store/dynamo-items.js';
import { keys } from '../store/keys.js';
import type { SignInRecord, SignInStore } from './sign-in-store.js';

/** Console sign-in links in the registry's table, one item each, expired by TTL. */
export class DynamoSignInStore implements SignInStore {
  constructor(
    private readonly client: DynamoDocuments,
    private readonly table: string,
  ) {}

  async putSignIn(record: SignInRecord): Promise<void> {
    const item = itemOf({ ...keys.consoleSignIn(record.codeHash), ...record });
    await this.client.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async takeSignIn(codeHash: string): Promise<SignInRecord | undefined> {
    // One conditional delete: of two requests with the same link, exactly one gets the record.
    try {
      const result = await this.client.send(new DeleteCommand({
        TableName: this.table,
        Key: keys.consoleSignIn(codeHash),
        ConditionExpression: 'attribute_exists(pk)',
        ReturnValues: 'ALL_OLD',
      }));
      return result.Attributes && (withoutKeys(result.Attributes) as unknown as SignInRecord);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
