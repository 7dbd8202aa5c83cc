import type { AwsClientOptions } from '../lambdas/aws/aws-client.js';
import { WatchedDynamoDocuments } from './watched-writes.js';

/** Item reads whose answers are remembered. */
const REMEMBERED = new Set(['GetItem', 'BatchGetItem']);
/** Answers remembered at most; the oldest go first. A pull needs a handful. */
const DEFAULT_ENTRIES = 10_000;

/**
 * DynamoDB as `npm start` uses it: the answer to an item read (GetItem, BatchGetItem) is
 * remembered, and the same read answered from memory, until this process sends anything that may
 * write (./watched-writes.ts says why that is every write there is). An answer that was on its way
 * while a write began or ended is not remembered.
 *
 * Why: DynamoDB Local answers a read in 1 to 2 ms while busy, but in 10 to 60 ms after a second
 * idle (its threads are parked), and a pull reads the tag and its blobs' links first.
 * On AWS every function instance reads DynamoDB itself; nothing here applies.
 */
export class RememberingDynamoDocuments extends WatchedDynamoDocuments {
  /** Wire answers as JSON, so that each caller gets items of its own. */
  private readonly answers = new Map<string, string>();
  /** Counts writes begun and ended: a read remembers its answer only if none began or ended meanwhile. */
  private writes = 0;

  constructor(options: AwsClientOptions, private readonly maxEntries = DEFAULT_ENTRIES) {
    super(options);
    this.onWrite(() => {
      this.writes += 1;
      this.answers.clear();
    });
  }

  protected override async call(operation: string, input: object): Promise<Record<string, unknown>> {
    if (!REMEMBERED.has(operation)) return super.call(operation, input);
    const key = `${operation}:${JSON.stringify(input)}`;
    const remembered = this.answers.get(key);
    if (remembered !== undefined) return JSON.parse(remembered) as Record<string, unknown>;
    const before = this.writes;
    const answer = await super.call(operation, input);
    if (this.writes === before) this.remember(key, JSON.stringify(answer));
    return answer;
  }

  private remember(key: string, answer: string): void {
    this.answers.set(key, answer);
    if (this.answers.size > this.maxEntries) this.answers.delete(this.answers.keys().next().value!);
  }
}
