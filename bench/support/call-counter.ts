import type { DynamoDocuments } from '../../lambdas/aws/dynamodb.js';
import type { S3Api } from '../../lambdas/aws/s3.js';

/** DynamoDB operations that read items; each call counts once, however many items it returns. */
const DYNAMO_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

export type Counts = Map<string, number>;

export interface CallSnapshot {
  dynamo: Counts;
  s3: Counts;
}

/**
 * Counts the AWS calls the registry makes, by operation name, as the clients
 * that `startRegistryServer` hands to `instrument` send them.
 */
export class CallCounter {
  private readonly dynamo: Counts = new Map();
  private readonly s3: Counts = new Map();

  /** Pass as the registry server's `instrument` option. */
  readonly instrument = (clients: { dynamo: DynamoDocuments; s3: S3Api }): void => {
    // Each HTTP attempt counts, retries included; signing a download URL sends nothing, so is (rightly) not a call.
    clients.dynamo.service.onCall((operation) => count(this.dynamo, operation));
    clients.s3.onCall((operation) => count(this.s3, operation));
  };

  reset(): void {
    this.dynamo.clear();
    this.s3.clear();
  }

  snapshot(): CallSnapshot {
    return { dynamo: new Map(this.dynamo), s3: new Map(this.s3) };
  }
}

/** Runs `work` with counters reset, and returns the calls it caused. */
export async function countCalls(counter: CallCounter, work: () => Promise<unknown>): Promise<CallSnapshot> {
  counter.reset();
  await work();
  return counter.snapshot();
}

export function total(counts: Counts): number {
  let sum = 0;
  for (const count of counts.values()) sum += count;
  return sum;
}

export function dynamoReads(counts: Counts): number {
  let sum = 0;
  for (const [name, count] of counts) if (DYNAMO_READS.has(name)) sum += count;
  return sum;
}

/** "GetItem x1" lines in name order, or "-" for none. */
export function describeCounts(counts: Counts): string {
  if (counts.size === 0) return '-';
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, count]) => `${name} x${count}`).join('\n');
}

function count(counts: Counts, operation: string): void {
  counts.set(operation, (counts.get(operation) ?? 0) + 1);
}
