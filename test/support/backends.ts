import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { documentClient, s3Client } from '../../lambdas/shared/aws-clients.js';
import { DynamoMetadataStore } from '../../lambdas/store/dynamo-metadata-store.js';
import { DynamoTemplateStore } from '../../lambdas/store/dynamo-template-store.js';
import { S3BlobStore } from '../../lambdas/store/s3-blob-store.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { ensureBucket, ensureTable } from '../../local/provision.js';

/** Real store adapters on a fresh table and bucket of the run's emulators. */
export async function freshStores(): Promise<{ store: DynamoMetadataStore; templates: DynamoTemplateStore; blobs: S3BlobStore }> {
  const id = randomUUID().slice(0, 8);
  const dynamo = documentClient({ region: LOCAL_REGION, endpoint: inject('dynamoEndpoint'), credentials: LOCAL_CREDENTIALS });
  const s3 = s3Client({ region: LOCAL_REGION, endpoint: inject('s3Endpoint'), credentials: LOCAL_CREDENTIALS });
  const table = `berth-stores-${id}`;
  const bucket = `berth-stores-${id}`;
  await ensureTable(dynamo, table);
  await ensureBucket(s3, bucket);
  return { store: new DynamoMetadataStore(dynamo, table), templates: new DynamoTemplateStore(dynamo, table), blobs: new S3BlobStore(s3, bucket) };
}
