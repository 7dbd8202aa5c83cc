import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB operations that read items; each call counts once, however many items it returns. */
const DYNAMO_READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand', 'TransactGetItemsCommand']);

export type Counts = Map<string, number>;

export interface CallSnapshot {
  dynamo: Counts;
  s3: Counts;
}

/**
 * Counts the AWS SDK calls the registry makes, by command name, through
 * middleware on the clients that `startRegistryServer` hands to `instrument`.
 */
export class CallCounter {
  private readonly dynamo: Counts = new Map();
  private readonly s3: Counts = new Map();

  /** Pass as the registry server's `instrument` option. */
  readonly instrument = (clients: { dynamo: DynamoDBDocumentClient; s3: S3Client }): void => {
    // The document client shares its stack with the DynamoDB client it wraps, so
    // the counted names are the wire operations (GetItemCommand, not GetCommand).
    // The deserialize step runs once per HTTP attempt, and never for presigned
    // URLs: getSignedUrl stops the stack before it, so signing a download URL is
    // (rightly) not an S3 call.
    clients.dynamo.middlewareStack.add(countInto(this.dynamo), { step: 'deserialize', name: 'benchCallCounter' });
    clients.s3.middlewareStack.add(countInto(this.s3), { step: 'deserialize', name: 'benchCallCounter' });
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

/** "GetItemCommand x1" lines in name order, or "-" for none. */
export function describeCounts(counts: Counts): string {
  if (counts.size === 0) return '-';
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, count]) => `${name} x${count}`).join('\n');
}

function countInto(counts: Counts) {
  return <Args, Output>(next: (args: Args) => Promise<Output>, context: { commandName?: string }) => async (args: Args) => {
    const name = context.commandName ?? 'unknown';
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return next(args);
  };
}
