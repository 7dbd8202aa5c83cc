import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LAMBDA_RUNTIME } from '../../lib/berth-function.js';
import { actionsOf, berthStack, FULL_CONTEXT, functionId, KMS_KEY_ARN, NO_GATEWAY, resource, roleStatements } from './stacks.js';

type Statement = ReturnType<typeof roleStatements>[number];

const ref = (id: string) => ({ Ref: id });
const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const objects = (bucketId: string, prefix: string) => ({ 'Fn::Join': ['', [arn(bucketId), `/${prefix}*`]] });

function ids(template: ReturnType<typeof berthStack>['template']) {
  const find = (type: string, pattern: RegExp) => Object.keys(template.findResources(type)).find((id) => pattern.test(id))!;
  return {
    table: find('AWS::DynamoDB::Table', /Table/),
    bucket: find('AWS::S3::Bucket', /Blobs/),
    tokenSecret: find('AWS::SecretsManager::Secret', /TokenSigningKey/),
    sealingSecret: find('AWS::SecretsManager::Secret', /SealingKey/),
  };
}

/** The statements apart from the one that lets a function write its own log group. */
function dataStatements(statements: Statement[]): Statement[] {
  return statements.filter((statement) => !actionsOf(statement).includes('logs:PutLogEvents'));
}

describe('the functions', () => {
  const { template } = berthStack(NO_GATEWAY);

  it('run arm64 on the pinned Node.js 24 runtime, whichever runtimes aws-cdk-lib offers', () => {
    // A literal, not a runtime looked up from aws-cdk-lib: the test fails if the pin moves.
    expect(LAMBDA_RUNTIME.name).toBe('nodejs24.x');
    // Registry, management, rotation, jobs, webhook deliveries and pull-through jobs.
    template.resourceCountIs('AWS::Lambda::Function', 6);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
    });
  });

  it('tell the registry and management functions where everything is', () => {
    const { table, bucket, tokenSecret, sealingSecret } = ids(template);
    const common = {
      BERTH_TABLE: ref(table),
      BERTH_BUCKET: ref(bucket),
      BERTH_ACCOUNT_ID: ref('AWS::AccountId'),
      BERTH_CREATE_ON_PUSH: 'false',
      BERTH_TOKEN_LIFETIME_SECONDS: '43200',
      BERTH_DOWNLOAD_URL_SECONDS: '300',
      BERTH_TOKEN_SECRET_ARN: ref(tokenSecret),
      BERTH_EVENT_BUS: expect.anything(),
    };
    const registryEnv = resource(template, functionId(template, 'registry')).Properties.Environment.Variables;
    const managementEnv = resource(template, functionId(template, 'management')).Properties.Environment.Variables;
    // The host is checked in api.test.ts; the sealing key is the management function's alone.
    // The pull-through cache's variables are checked in pull-through.test.ts.
    expect(registryEnv).toEqual({
      ...common, BERTH_REGISTRY_HOST: expect.anything(),
      BERTH_PULL_THROUGH_QUEUE_URL: expect.anything(), BERTH_PULL_THROUGH_REFRESH_SECONDS: '86400', BERTH_PULL_THROUGH_BLOB_WAIT_SECONDS: '20',
    });
    expect(managementEnv).toEqual({
      ...common, BERTH_REGISTRY_HOST: expect.anything(), BERTH_SEALING_SECRET_ARN: ref(sealingSecret), BERTH_STS_ENDPOINT: expect.anything(),
      BERTH_CONSOLE_LINK_SECONDS: '300', BERTH_CONSOLE_SESSION_SECONDS: '3600',
    });
  });

  it('carry the configured settings', () => {
    const { template: full } = berthStack(FULL_CONTEXT);
    const env = resource(full, functionId(full, 'registry')).Properties.Environment.Variables;
    expect(env).toMatchObject({ BERTH_CREATE_ON_PUSH: 'true', BERTH_TOKEN_LIFETIME_SECONDS: '3600', BERTH_DOWNLOAD_URL_SECONDS: '120', BERTH_REGISTRY_HOST: 'registry.example.com' });
    full.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('each have their own role, with no managed policy, that writes only its own log group', () => {
    template.resourceCountIs('AWS::IAM::Role', 6);
    template.allResourcesProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
    for (const role of ['registry', 'management', 'rotation', 'jobs'] as const) {
      const fn = resource(template, functionId(template, role));
      const logGroup = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(roleStatements(template, functionId(template, role))).toContainEqual({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arn(logGroup),
      });
    }
  });
});

describe('least privilege', () => {
  const { template } = berthStack(NO_GATEWAY);
  const { table, bucket, tokenSecret, sealingSecret } = ids(template);

  it('lets the registry function read and write items, blob objects and the token key, and nothing else', () => {
    expect(dataStatements(roleStatements(template, functionId(template, 'registry')))).toEqual([
      {
        Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Effect: 'Allow',
        Resource: arn(table),
      },
      {
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        Effect: 'Allow',
        Resource: [objects(bucket, 'blobs/'), objects(bucket, 'manifests/'), objects(bucket, 'uploads/')],
      },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: ref(tokenSecret) },
      { Action: 'events:PutEvents', Effect: 'Allow', Resource: expect.anything() },
      // Pull-through cache jobs, and the rules' upstream credentials (pull-through.test.ts).
      expect.objectContaining({ Action: expect.arrayContaining(['sqs:SendMessage']) }),
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: expect.objectContaining({ 'Fn::Join': expect.anything() }) },
    ]);
  });

  it('lets the management function also batch-delete items, tag blobs and read the sealing key, but not touch upload leftovers', () => {
    expect(dataStatements(roleStatements(template, functionId(template, 'management')))).toEqual([
      {
        Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
        Effect: 'Allow',
        Resource: arn(table),
      },
      {
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Effect: 'Allow',
        Resource: [objects(bucket, 'blobs/'), objects(bucket, 'manifests/')],
      },
      // Presigning a PUT or starting a multipart upload that marks direct uploads pending, and removing the mark.
      {
        Action: ['s3:PutObjectTagging', 's3:DeleteObjectTagging'],
        Effect: 'Allow',
        Resource: objects(bucket, 'blobs/'),
      },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: [ref(tokenSecret), ref(sealingSecret)] },
      { Action: 'events:PutEvents', Effect: 'Allow', Resource: expect.anything() },
      // The rules' upstream credentials, which CreatePullThroughCacheRule checks (pull-through.test.ts).
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: expect.objectContaining({ 'Fn::Join': expect.anything() }) },
    ]);
  });

  it('lets the rotation function manage the token key\'s versions only', () => {
    expect(dataStatements(roleStatements(template, functionId(template, 'rotation')))).toEqual([
      {
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        Effect: 'Allow',
        Resource: ref(tokenSecret),
      },
      // Added by CDK's RotationSchedule; the action has no resource type (acknowledged in lib/token-secrets.ts).
      { Action: 'secretsmanager:GetRandomPassword', Effect: 'Allow', Resource: '*' },
    ]);
  });

  it('uses no wildcard action anywhere', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const statement of (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement) {
        for (const action of actionsOf(statement)) expect(action).not.toContain('*');
      }
    }
  });

  it('grants every function the KMS key when one is given', () => {
    const { template: full } = berthStack(FULL_CONTEXT);
    for (const role of ['registry', 'management', 'rotation', 'jobs'] as const) {
      expect(roleStatements(full, functionId(full, role))).toContainEqual({
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        Effect: 'Allow',
        Resource: KMS_KEY_ARN,
      });
    }
    full.allResourcesProperties('AWS::SecretsManager::Secret', { KmsKeyId: KMS_KEY_ARN });
  });
});
