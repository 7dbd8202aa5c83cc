import { randomUUID } from 'node:crypto';
import { DeleteBucketCommand, DeleteObjectsCommand, GetObjectTaggingCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, inject } from 'vitest';
import { DynamoDocuments } from '../../lambdas/aws/dynamodb.js';
import { S3Api } from '../../lambdas/aws/s3.js';
import { DynamoAccessKeyStore } from '../../lambdas/store/dynamo-access-key-store.js';
import { DynamoDirectUploadStore } from '../../lambdas/store/dynamo-direct-upload-store.js';
import { DynamoMetadataStore } from '../../lambdas/store/dynamo-metadata-store.js';
import { DynamoTemplateStore } from '../../lambdas/store/dynamo-template-store.js';
import { S3BlobStore } from '../../lambdas/store/s3-blob-store.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { ensureBucket, ensureTable } from '../../local/provision.js';
import { sdkS3Client } from './local-s3.js';

export interface Stores {
  store: DynamoMetadataStore;
  templates: DynamoTemplateStore;
  directUploads: DynamoDirectUploadStore;
  accessKeys: DynamoAccessKeyStore;
  blobs: S3BlobStore;
  table: string;
  bucket: string;
}

const s3 = () => new S3Api({ region: LOCAL_REGION, endpoint: inject('s3Endpoint'), credentials: LOCAL_CREDENTIALS });
const dynamoDb = () => new DynamoDocuments({ region: LOCAL_REGION, endpoint: inject('dynamoEndpoint'), credentials: LOCAL_CREDENTIALS });

/**
 * Deletes a table and a bucket of the run's emulators, objects and all: they
 * live as long as the run, and DynamoDB Local keeps every table in memory.
 */
export async function dropTableAndBucket(table: string, bucket: string): Promise<void> {
  await dynamoDb().service.send('DeleteTable', { TableName: table });
  const client = sdkS3Client(inject('s3Endpoint'));
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    const objects = (page.Contents ?? []).map((object) => ({ Key: object.Key! }));
    if (objects.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
    token = page.NextContinuationToken;
  } while (token !== undefined);
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

const created: { table: string; bucket: string }[] = [];
// Registered when a test file first imports this module: after the file's tests, its stores go.
afterAll(async () => {
  for (const { table, bucket } of created.splice(0)) await dropTableAndBucket(table, bucket);
});

/** Real store adapters on a fresh table and bucket of the run's emulators. */
export async function freshStores(): Promise<Stores> {
  const id = randomUUID().slice(0, 8);
  const dynamo = dynamoDb();
  const client = s3();
  const table = `berth-stores-${id}`;
  const bucket = `berth-stores-${id}`;
  await ensureTable(dynamo, table);
  await ensureBucket(client, bucket);
  created.push({ table, bucket });
  return {
    store: new DynamoMetadataStore(dynamo, table),
    templates: new DynamoTemplateStore(dynamo, table),
    directUploads: new DynamoDirectUploadStore(dynamo, table),
    accessKeys: new DynamoAccessKeyStore(dynamo, table),
    blobs: new S3BlobStore(client, bucket),
    table,
    bucket,
  };
}

/** An object's tags as GetObjectTagging reports them, on a bucket of the run's s3rver. */
export async function objectTags(bucket: string, key: string): Promise<Record<string, string>> {
  const result = await sdkS3Client(inject('s3Endpoint')).send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((result.TagSet ?? []).map((tag) => [tag.Key, tag.Value]));
}
