import type { RegistryClient } from '../../test/support/client.js';
import type { Fixture } from '../support/fixture.js';
import { runLoad } from '../support/load.js';
import { readOperations } from '../support/operations.js';
import { fixed, formatTable } from '../support/table.js';

/** Requests per cell: bounded so the whole bench stays within a few minutes on 2 cores. */
const CELLS = [
  { concurrency: 1, total: 300 },
  { concurrency: 16, total: 1600 },
];
/**
 * Untimed requests: first of every operation, because DynamoDB Local's JVM and
 * V8 need a few thousand requests before the first measured cell stops paying
 * for their warm-up; then before each cell, to fill the connection pool to its concurrency.
 */
const WARMUP_PER_OPERATION = 300;
const WARMUP_PER_CELL = 50;

export async function latencyTable(client: RegistryClient, fixture: Fixture): Promise<string> {
  const operations = readOperations(client, fixture);
  const measured = [operations.manifestHeadByTag, operations.manifestGetByTag, operations.blobHead, operations.blobGet, operations.tagsList];
  for (const operation of measured) await runLoad({ total: WARMUP_PER_OPERATION, concurrency: 4, request: operation.run });
  const rows: string[][] = [];
  for (const operation of measured) {
    for (const { concurrency, total } of CELLS) {
      await runLoad({ total: WARMUP_PER_CELL, concurrency, request: operation.run });
      const result = await runLoad({ total, concurrency, request: operation.run });
      rows.push([operation.name, String(concurrency), String(result.requests), fixed(result.requestsPerSecond, 0), fixed(result.p50Ms, 2), fixed(result.p99Ms, 2)]);
    }
  }
  const table = formatTable(['operation', 'clients', 'requests', 'req/s', 'p50 ms', 'p99 ms'], rows, ['left']);
  return `${table}\n${READ_AHEAD_NOTE}`;
}

const READ_AHEAD_NOTE = 'blob GET follows the manifest GETs above within the read-ahead time (BERTH_READ_AHEAD_SECONDS), as the blob GETs of a pull do,\n'
  + 'so it reads no link from DynamoDB; one that reads its link costs about what a blob HEAD does.';
