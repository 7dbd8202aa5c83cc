import { objectKeys } from '../lambdas/store/keys.js';

/**
 * What each function may do with the data, action by action: the calls its code makes
 * (lambdas/store/*), and no more. A transaction (TransactWriteItems) is authorized by the
 * item actions inside it (Put, Update, Delete), so it needs no action of its own.
 */
const TABLE_READ_WRITE = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

export const TABLE_ACTIONS = {
  registry: [...TABLE_READ_WRITE],
  // DeleteRepository removes a repository's items in batches.
  management: [...TABLE_READ_WRITE, 'dynamodb:BatchWriteItem'],
  // The lifecycle sweep (lambdas/jobs), through DynamoMetadataStore: listRepositories and
  // listManifests query; getRepository gets; getManifests (the children of indexes) reads in
  // batches; deleteManifest gets the manifest, then deletes it with its tags and referrer
  // (Delete items) or, past 100 tags, trims its tag set first (Update items); updateRepository
  // (lifecycleEvaluatedAt) gets, then puts on a version condition. No BatchWriteItem.
  // Garbage collection (lambdas/gc through DynamoGcStore) queries links, its queue and counters,
  // gets records, and deletes, puts and updates in transactions and on its cursor: the same actions.
  jobs: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  // The upload gateway continues sessions (UploadService through DynamoMetadataStore): getUpload
  // and getBlob get; claimUpload updates the lease; saveUpload and putBlob put, linkBlob puts both
  // links in a transaction; deleteUpload deletes. Starts, mounts and listings stay on the API.
  uploadGateway: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  // Webhook deliveries (lambdas/webhooks through DynamoWebhookStore): listWebhooks queries,
  // getWebhook gets, recordDelivery puts. Subscriptions are managed by the management function.
  webhooks: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
} as const;

/**
 * Top-level prefixes of the bucket's object keys (lambdas/store/keys.ts documents the layout).
 * `blobs/uploads/<id>` (a blob assembled by multipart upload) lives under `blobs/`.
 */
export const OBJECT_PREFIXES = {
  blobs: 'blobs/',
  manifests: 'manifests/',
  uploads: objectKeys.uploadsPrefix,
} as const;

/**
 * HeadObject is authorized by s3:GetObject, and multipart uploads (create, part, complete) by
 * s3:PutObject. Without s3:ListBucket a missing object answers 403 rather than 404; no code
 * path relies on telling them apart (BlobStore.head is unused on AWS).
 */
export const OBJECT_ACTIONS = {
  registry: {
    actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
    prefixes: [OBJECT_PREFIXES.blobs, OBJECT_PREFIXES.manifests, OBJECT_PREFIXES.uploads],
  },
  // Presigned layer downloads and large manifests; the management API never holds upload leftovers.
  management: {
    actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    prefixes: [OBJECT_PREFIXES.blobs, OBJECT_PREFIXES.manifests],
  },
  // Garbage collection: reads manifests kept in S3 (and the size of what it deletes), and deletes
  // collected blobs, manifest objects and upload leftovers under `blobs/uploads/`. Never writes.
  jobs: {
    actions: ['s3:GetObject', 's3:DeleteObject'],
    prefixes: [OBJECT_PREFIXES.blobs, OBJECT_PREFIXES.manifests],
  },
  // Upload bytes: pending bytes under `uploads/` (put, read back, deleted), parts of the
  // assembled blob under `blobs/uploads/`, small blobs put whole under `blobs/`, and the
  // object of an upload that lost a race for its digest deleted. Never manifests.
  uploadGateway: {
    actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
    prefixes: [OBJECT_PREFIXES.blobs, OBJECT_PREFIXES.uploads],
  },
} as const;

export interface ObjectGrant {
  readonly actions: readonly string[];
  /** Key prefixes the actions are allowed on. */
  readonly prefixes: readonly string[];
}

/**
 * Objects of direct uploads are marked pending (PENDING_UPLOAD_TAG) until verified. The management
 * function presigns PUTs and starts multipart uploads that set the tag, which S3 allows only a signer
 * holding s3:PutObjectTagging, and removes it on completion; those objects live under `blobs/`.
 */
export const OBJECT_TAGGING_ACTIONS: Partial<Record<keyof typeof OBJECT_ACTIONS, ObjectGrant>> = {
  management: { actions: ['s3:PutObjectTagging', 's3:DeleteObjectTagging'], prefixes: [OBJECT_PREFIXES.blobs] },
  // A layer the gateway receives in one PUT is marked pending the same way until its upload completes.
  uploadGateway: { actions: ['s3:PutObjectTagging', 's3:DeleteObjectTagging'], prefixes: [OBJECT_PREFIXES.blobs] },
};

/**
 * With a customer managed key, DynamoDB, S3 (SSE-KMS with a bucket key) and Secrets Manager
 * use it on the caller's behalf: reads need Decrypt, writes a new data key.
 */
export const KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'] as const;

/** The token key is read at both stages (AWSCURRENT and AWSPREVIOUS), each a GetSecretValue. */
export const SECRET_READ_ACTIONS = ['secretsmanager:GetSecretValue'] as const;
