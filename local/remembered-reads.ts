import { DynamoDocuments } from '../lambdas/aws/dynamodb.js';
import type { AwsClientOptions } from '../lambdas/aws/aws-client.js';

/** Item reads whose answers are remembered. */
const REMEMBERED = new Set(['GetItem', 'BatchGetItem']);
/** Operations that change nothing, and so leave what is remembered alone. */
const READS = new Set([...REMEMBERED, 'Query', 'Scan', 'TransactGetItems', 'DescribeTable', 'DescribeTimeToLive', 'ListTables']);
/** Answers remembered at most; the oldest go first. A pull needs a handful. */
const DEFAULT_ENTRIES = 10_000;

/**
 * DynamoDB as local mode's one process uses it: the answer to an item read (GetItem, BatchGetItem)
 * is remembered, and the same read answered from memory, until this process sends anything that
 * may write. Every writer of local mode's table (the registry, the management API, the upload
 * gateway, the background jobs, the pull-through cache) shares this client, so what it remembers
 * is never older than the last write it completed; an answer that was on its way while a write
 * completed is not remembered.
 *
 * Why: DynamoDB Local answers a read in 1 to 2 ms while busy, but in 10 to 60 ms after a second
 * idle (its threads are parked), and a pull reads the tag and its blobs' links first.
 * On AWS every function instance reads DynamoDB itself; nothing here applies.
 */
export class RememberingDynamoDocuments extends DynamoDocuments {
  /** Wire answers as JSON, so that each caller gets items of its own. */
  private readonly answers = new Map<string, string>();
  /** Counts writes begun and ended: a read remembers its answer only if none began or ended meanwhile. */
  private writes = 0;

  constructor(options: AwsClientOptions, private readonly maxEntries = DEFAULT_ENTRIES) {
    super(options);
  }

  protected override async call(operation: string, input: object): Promise<Record<string, unknown>> {
    if (!READS.has(operation)) return this.write(operation, input);
    if (!REMEMBERED.has(operation)) return super.call(operation, input);
    const key = `${operation}:${JSON.stringify(input)}`;
    const remembered = this.answers.get(key);
    if (remembered !== undefined) return JSON.parse(remembered) as Record<string, unknown>;
    const before = this.writes;
    const answer = await super.call(operation, input);
    if (this.writes === before) this.remember(key, JSON.stringify(answer));
    return answer;
  }

  private async write(operation: string, input: object): Promise<Record<string, unknown>> {
    this.forget();
    try {
      return await super.call(operation, input);
    } finally {
      // Failed or not: a write that timed out, or whose condition failed, may still have written.
      this.forget();
    }
  }

  private remember(key: string, answer: string): void {
    this.answers.set(key, answer);
    if (this.answers.size > this.maxEntries) this.answers.delete(this.answers.keys().next().value!);
  }

  private forget(): void {
    this.writes += 1;
    this.answers.clear();
  }
}
