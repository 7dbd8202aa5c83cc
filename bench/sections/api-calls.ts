import { randomBytes } from 'node:crypto';
import type { RegistryClient } from '../../test/support/client.js';
import { blob } from '../../test/support/oci.js';
import { countCalls, describeCounts, dynamoReads, total, type CallCounter, type CallSnapshot } from '../support/call-counter.js';
import { FIXTURE_LAYERS, type Fixture } from '../support/fixture.js';
import { readOperations } from '../support/operations.js';
import { formatTable } from '../support/table.js';
import { pullImage, pushBlobChunked } from '../support/transfer.js';

const MiB = 1024 * 1024;

interface Measured {
  name: string;
  requests: number;
  calls: CallSnapshot;
}

/**
 * The DynamoDB and S3 calls behind each operation, run once with the
 * counters reset; then the pull target checked against the measured pull.
 */
export async function apiCallsTable(client: RegistryClient, counter: CallCounter, fixture: Fixture): Promise<string> {
  const operations = readOperations(client, fixture);
  const measured: Measured[] = [];
  for (const operation of [
    operations.manifestHeadByTag, operations.manifestGetByTag, operations.manifestGetByDigest,
    operations.blobHead, operations.blobGet, operations.tagsList,
  ]) {
    measured.push({ name: operation.name, requests: 1, calls: await countCalls(counter, operation.run) });
  }

  let requests = 0;
  const pull = await countCalls(counter, async () => {
    requests = (await pullImage(client, fixture.repository, fixture.tag)).requests;
  });
  measured.push({ name: `full pull, ${FIXTURE_LAYERS} layers`, requests, calls: pull });

  // The repository exists first, so the counts are the upload's own and not create-on-push.
  await client.pushBlob('bench/push', blob('seed'));
  // A blob under 5 MiB stays a pending S3 object; a larger one becomes a multipart upload.
  for (const size of [1 * MiB, 12.5 * MiB]) {
    const item = blob(randomBytes(size));
    const calls = await countCalls(counter, async () => {
      requests = (await pushBlobChunked(client, 'bench/push', item)).requests;
    });
    measured.push({ name: `chunked blob push, ${size / MiB} MiB`, requests, calls });
  }

  const table = formatTable(
    ['operation', 'HTTP', 'DynamoDB reads', 'DynamoDB calls', 'S3 calls'],
    measured.map(({ name, requests: count, calls }) => [
      name, String(count), String(dynamoReads(calls.dynamo)), describeCounts(calls.dynamo), describeCounts(calls.s3),
    ]),
    ['left', 'right', 'right', 'left', 'left'],
  );
  const note = 'HTTP: requests the client sent, including a pull\'s presigned GETs straight to S3, which the registry does not call.';
  return `${table}\n${note}\n\n${pullTarget(pull)}`;
}

function pullTarget(pull: CallSnapshot): string {
  const allowed = FIXTURE_LAYERS + 2;
  const reads = dynamoReads(pull.dynamo);
  const s3 = total(pull.s3);
  const holds = reads <= allowed && s3 === 0;
  return 'Target: pulling an image with N layers costs at most N+2 DynamoDB reads, '
    + "and no S3 API calls besides the client's own presigned GETs.\n"
    + `N=${FIXTURE_LAYERS}: ${reads} DynamoDB reads (at most ${allowed}), ${s3} S3 calls (must be 0): ${holds ? 'HOLDS' : 'DOES NOT HOLD'}`;
}
