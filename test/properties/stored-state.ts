import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect, inject } from 'vitest';
import { DynamoDocuments, ScanCommand } from '../../lambdas/aws/dynamodb.js';
import type { RunningRegistry } from '../../local/berth-server.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { sdkS3Client } from '../support/local-s3.js';

/** Everything a registry has stored: every item of its table and every object of its bucket. */
export interface StoredState {
  items: string[];
  objects: string[];
}

/**
 * Reads a registry's whole table and bucket, so that a property can say "nothing
 * changed" without knowing where a request might have written. Each item and
 * object becomes one sorted line, so a difference reads as a list of lines.
 */
export function storedStateOf(registry: RunningRegistry): () => Promise<StoredState> {
  const credentials = LOCAL_CREDENTIALS;
  const dynamo = new DynamoDocuments({ region: LOCAL_REGION, endpoint: inject('dynamoEndpoint'), credentials });
  const s3 = sdkS3Client(inject('s3Endpoint'));

  async function items(): Promise<string[]> {
    const lines: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(new ScanCommand({ TableName: registry.table, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) lines.push(JSON.stringify(withoutConcurrencyCounter(item), sortedKeys));
      start = page.LastEvaluatedKey;
    } while (start);
    return lines.sort();
  }

  async function objects(): Promise<string[]> {
    const lines: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: registry.bucket, ContinuationToken: token }));
      for (const object of page.Contents ?? []) lines.push(`${object.Key} ${object.Size} ${object.ETag}`);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return lines.sort();
  }

  return async () => ({ items: await items(), objects: await objects() });
}

/**
 * A repository item's `version` only makes concurrent writes re-read it: a
 * DeleteRepository refused because images remain still bumps it, having
 * fenced pushes off while it looked. No user reads it, so it is left out.
 */
function withoutConcurrencyCounter(item: Record<string, unknown>): Record<string, unknown> {
  if (item.sk !== 'REPO') return item;
  const { version: _version, ...rest } = item;
  return rest;
}

/** JSON with object keys in order, and sets and bytes spelled out, so equal items print alike. */
function sortedKeys(_key: string, value: unknown): unknown {
  if (value instanceof Set) return [...value].sort();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
  }
  return value;
}

/**
 * Follows a registry's stored state through a property's requests: each answer
 * must be below 500; a refusal (4xx) must be in the protocol's error shape and
 * change nothing stored; an accepted request may change anything, and the seed
 * is planted again when it spoiled it.
 */
export class StateWatch {
  private state: StoredState | undefined;

  constructor(
    private readonly snapshot: () => Promise<StoredState>,
    private readonly seed: { intact: () => Promise<boolean>; plant: () => Promise<void> },
  ) {}

  async start(): Promise<void> {
    this.state = await this.snapshot();
  }

  async check(status: number, errorShaped: boolean, exchange: string): Promise<void> {
    // Kept even when a check fails, so that shrinking compares each candidate with the state it met.
    const before = this.state;
    this.state = await this.snapshot();
    expect(status, exchange).toBeLessThan(500);
    if (status >= 400) {
      expect(errorShaped, exchange).toBe(true);
      expect(this.state, exchange).toEqual(before);
      return;
    }
    if (!(await this.seed.intact())) {
      await this.seed.plant();
      this.state = await this.snapshot();
    }
  }
}
