import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { objectKeys } from '../../lambdas/store/keys.js';
import { TABLE_KEY, TTL_ATTRIBUTE } from '../../lambdas/store/table-schema.js';
import { OBJECT_ACTIONS, OBJECT_PREFIXES } from '../../lib/permissions.js';
import { berthStack, FULL_CONTEXT, KMS_KEY_ARN, logicalId, NO_GATEWAY, resource } from './stacks.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('the table', () => {
  const { template } = berthStack(NO_GATEWAY);

  it('has the key schema the store uses, on demand, with TTL on expiresAt', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE_KEY.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEY.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it('is protected: point-in-time recovery, deletion protection, encryption, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('uses the given KMS key, and drops deletion protection when the data may be destroyed', () => {
    const { template: full } = berthStack(FULL_CONTEXT);
    full.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: KMS_KEY_ARN },
        DeletionProtectionEnabled: false,
      }),
      DeletionPolicy: 'Delete',
    });
  });
});

describe('the blob bucket', () => {
  const { template } = berthStack(NO_GATEWAY);
  const blobs = logicalId(template, 'AWS::S3::Bucket', (properties) => properties.LoggingConfiguration !== undefined);
  const logs = logicalId(template, 'AWS::S3::Bucket', (properties) => properties.LoggingConfiguration === undefined);

  it('blocks all public access, owns its objects and is encrypted with SSE-S3', () => {
    expect(resource(template, blobs).Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
  });

  it('refuses requests without TLS, and TLS older than 1.2', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: blobs },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('aborts unfinished multipart uploads, and expires upload leftovers and abandoned direct uploads, after 3 days', () => {
    expect(resource(template, blobs).Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'AbortIncompleteMultipartUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 }, Status: 'Enabled' },
      { Id: 'ExpireUploadLeftovers', Prefix: objectKeys.uploadsPrefix, ExpirationInDays: 3, Status: 'Enabled' },
      // The tag S3BlobStore gives direct uploads until they are verified (test/contract).
      { Id: 'ExpireAbandonedDirectUploads', TagFilters: [{ Key: 'berth-upload', Value: 'pending' }], ExpirationInDays: 3, Status: 'Enabled' },
    ]);
  });

  it('keeps finished blobs out of the expiring prefix', () => {
    expect(objectKeys.uploadPending('u1', 'n1').startsWith(objectKeys.uploadsPrefix)).toBe(true);
    for (const key of [objectKeys.blob(DIGEST), objectKeys.assembledBlob('u1'), objectKeys.manifest(DIGEST)]) {
      expect(key.startsWith(objectKeys.uploadsPrefix)).toBe(false);
    }
  });

  it('grants the registry function every prefix the key layout uses', () => {
    const keys = [objectKeys.blob(DIGEST), objectKeys.assembledBlob('u1'), objectKeys.manifest(DIGEST), objectKeys.uploadPending('u1', 'n1')];
    for (const key of keys) {
      expect(OBJECT_ACTIONS.registry.prefixes.some((prefix) => key.startsWith(prefix))).toBe(true);
    }
    expect(Object.values(OBJECT_PREFIXES).sort()).toEqual([...OBJECT_ACTIONS.registry.prefixes].sort());
  });

  it('logs its requests, presigned downloads included, to a private, TLS-only log bucket', () => {
    expect(resource(template, blobs).Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logs }, LogFilePrefix: 'blobs-bucket/' });
    expect(resource(template, logs).Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [{ Id: 'ExpireAccessLogs', ExpirationInDays: 90, Status: 'Enabled' }] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logs },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 's3:PutObject', Principal: { Service: 'logging.s3.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('is retained with the stack by default', () => {
    expect(resource(template, blobs).DeletionPolicy).toBe('Retain');
    expect(resource(template, logs).DeletionPolicy).toBe('Retain');
  });

  it('uses SSE-KMS with a bucket key, and Intelligent-Tiering for blobs, when asked', () => {
    const { template: full } = berthStack(FULL_CONTEXT);
    const id = logicalId(full, 'AWS::S3::Bucket', (properties) => properties.LoggingConfiguration !== undefined);
    const properties = resource(full, id).Properties;
    expect(properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KMS_KEY_ARN }, BucketKeyEnabled: true },
    ]);
    expect(properties.LifecycleConfiguration.Rules).toContainEqual({
      Id: 'BlobsToIntelligentTiering',
      Prefix: OBJECT_PREFIXES.blobs,
      Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 0 }],
      Status: 'Enabled',
    });
    expect(resource(full, id).DeletionPolicy).toBe('Delete');
  });
});
