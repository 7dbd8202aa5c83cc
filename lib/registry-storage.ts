import { CustomResourceProviderBase, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PENDING_UPLOAD_TAG } from '../lambdas/store/keys.js';
import { TABLE_KEY, TTL_ATTRIBUTE } from '../lambdas/store/table-schema.js';
import { OBJECT_PREFIXES } from './permissions.js';

export interface RegistryStorageProps {
  readonly removalPolicy: RemovalPolicy;
  readonly encryptionKey?: kms.IKey;
  readonly intelligentTiering: boolean;
  /** How long S3 server access logs are kept. */
  readonly accessLogRetention: RetentionDays;
}

/**
 * Upload leftovers (bytes under `uploads/`, unfinished multipart uploads, objects of direct uploads
 * still marked pending) are this old before S3 removes them. Upload sessions and direct uploads
 * expire after 24 hours (BERTH_UPLOAD_TTL_SECONDS in lambdas/shared/config.ts; DirectUploads);
 * an upload in progress must never lose its bytes.
 */
export const UPLOAD_LEFTOVER_EXPIRY = Duration.days(3);

const S3_LOGS_BY_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/** The registry's data: one DynamoDB table for metadata, one S3 bucket for blob bytes. */
export class RegistryStorage extends Construct {
  readonly table: dynamodb.Table;
  readonly bucket: s3.Bucket;
  /**
   * Receives the bucket's S3 server access logs (the only record of presigned downloads), and
   * the upload gateway's load balancer access logs and VPC flow logs. Kept for the log retention.
   * With a DESTROY removal policy, both buckets are emptied when the stack is deleted.
   */
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: RegistryStorageProps) {
    super(scope, id);
    // S3 log delivery by bucket policy rather than the legacy LogDeliveryWrite ACL, which
    // needs ACLs enabled; set here so the construct behaves alike in any app.
    this.node.setContext(S3_LOGS_BY_BUCKET_POLICY, true);
    const retained = props.removalPolicy !== RemovalPolicy.DESTROY;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEY.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEY.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Protection would make a DESTROY policy fail at stack deletion.
      deletionProtection: retained,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      ...(props.encryptionKey
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: props.encryptionKey }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      removalPolicy: props.removalPolicy,
    });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // S3 delivers server access logs only to buckets encrypted with SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: props.accessLogRetention === RetentionDays.INFINITE
        ? []
        : [{ id: 'ExpireAccessLogs', expiration: Duration.days(props.accessLogRetention) }],
      removalPolicy: props.removalPolicy,
      // CloudFormation deletes only empty buckets; logs keep arriving until the stack is gone.
      autoDeleteObjects: !retained,
    });

    this.bucket = new s3.Bucket(this, 'Blobs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      ...(props.encryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'blobs-bucket/',
      lifecycleRules: [
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: UPLOAD_LEFTOVER_EXPIRY },
        { id: 'ExpireUploadLeftovers', prefix: OBJECT_PREFIXES.uploads, expiration: UPLOAD_LEFTOVER_EXPIRY },
        // Objects never verified: uploaded straight to S3 by clients (berth push), or received whole by the upload gateway.
        { id: 'ExpireAbandonedDirectUploads', tagFilters: { [PENDING_UPLOAD_TAG.key]: PENDING_UPLOAD_TAG.value }, expiration: UPLOAD_LEFTOVER_EXPIRY },
        ...(props.intelligentTiering
          ? [{
            id: 'BlobsToIntelligentTiering',
            prefix: OBJECT_PREFIXES.blobs,
            // S3 transitions no object under 128 KiB by default: those would gain nothing from
            // Intelligent-Tiering and pay its per-object fee.
            transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(0) }],
          }]
          : []),
      ],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: !retained,
    });
    if (!retained) this.autoDeleteLogs(props.accessLogRetention);
  }

  /**
   * The log group of the function that empties the buckets, created with the stack so that its
   * deletion takes it too; Lambda would otherwise create it on the function's one run, at
   * deletion, and leave it behind.
   */
  private autoDeleteLogs(retention: RetentionDays): void {
    const provider = Stack.of(this).node.tryFindChild(AUTO_DELETE_PROVIDER_ID);
    if (!(provider instanceof CustomResourceProviderBase)) {
      throw new Error(`aws-cdk-lib no longer names the provider of autoDeleteObjects ${AUTO_DELETE_PROVIDER_ID}: update lib/registry-storage.ts`);
    }
    // One per stack, as the provider is: the function's name is the last field of its ARN.
    const logs = provider.node.tryFindChild('Logs') ?? new LogGroup(provider, 'Logs', {
      logGroupName: `/aws/lambda/${Fn.select(6, Fn.split(':', provider.serviceToken))}`,
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    for (const bucket of [this.bucket, this.accessLogsBucket]) {
      bucket.node.findChild('AutoDeleteObjectsCustomResource').node.addDependency(logs);
    }
  }
}

/** The construct ID of the stack's provider of S3 autoDeleteObjects in aws-cdk-lib. */
const AUTO_DELETE_PROVIDER_ID = 'Custom::S3AutoDeleteObjectsCustomResourceProvider';
