import { DynamoDocuments } from '../lambdas/aws/dynamodb.js';

/** Operations that change nothing. */
const DYNAMODB_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems', 'DescribeTable', 'DescribeTimeToLive', 'ListTables']);

/**
 * DynamoDB as local mode's one process uses it, telling its listeners of every operation that may
 * write, as it begins and again as it ends, failed or not: a write that timed out, or whose
 * condition failed, may still have written. Every writer of local mode's table shares this
 * client (the registry, the management API, the upload gateway, the background jobs and garbage
 * collection, the pull-through cache), so what local mode remembers of the table (repository
 * policies, blob links read ahead, DynamoDB's answers) is forgotten at each change, whoever made it.
 */
export class WatchedDynamoDocuments extends DynamoDocuments {
  private readonly listeners: (() => void)[] = [];

  /** Pass as BerthParts.policyChanges and BerthParts.storeChanges. */
  readonly onWrite = (listener: () => void): void => {
    this.listeners.push(listener);
  };

  protected override async call(operation: string, input: object): Promise<Record<string, unknown>> {
    if (DYNAMODB_READS.has(operation)) return super.call(operation, input);
    this.changed();
    try {
      return await super.call(operation, input);
    } finally {
      this.changed();
    }
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
