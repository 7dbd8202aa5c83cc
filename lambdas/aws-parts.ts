import { secretsManagerTokenKeys } from './auth/secrets-manager-keys.js';
import type { CredentialsProvider } from './aws/credentials.js';
import { SecretsManager } from './aws/secrets-manager.js';
import { SqsQueue } from './aws/sqs.js';
import { awsEventSink } from './events/aws-event-sink.js';
import { secretsManagerSecrets } from './pull-through/secrets-manager-secrets.js';
import { sqsJobDispatch } from './pull-through/sqs-jobs.js';
import type { BerthParts } from './compose.js';
import { DynamoDocuments } from './aws/dynamodb.js';
import { S3Api } from './aws/s3.js';
import type { EnvironmentConfig } from './shared/config.js';

/**
 * The parts of Berth on AWS, from a function's validated environment. Their calls are signed
 * with the Lambda environment's credentials unless others are given (the upload gateway's
 * container takes its task role's from the SDK's default chain).
 */
export function awsParts(config: EnvironmentConfig, credentials?: CredentialsProvider): BerthParts & { secrets: SecretsManager } {
  const client = { region: config.region, ...(credentials ? { credentials } : {}) };
  const secrets = new SecretsManager(client);
  return {
    secrets,
    dynamo: new DynamoDocuments(client),
    s3: new S3Api(client),
    table: config.table,
    bucket: config.bucket,
    identity: {
      accountId: config.accountId,
      region: config.region,
      registryHost: config.registryHost,
      proxyEndpoint: `https://${config.registryHost}`,
    },
    registry: config.registry,
    tokenKeys: secretsManagerTokenKeys(secrets, config.tokenSecretArn, { refreshSeconds: config.tokenKeyRefreshSeconds }),
    tokenLifetimeSeconds: config.tokenLifetimeSeconds,
    policyCacheSeconds: config.policyCacheSeconds,
    accessKeyCacheSeconds: config.accessKeyCacheSeconds,
    policyCacheEntries: config.policyCacheEntries,
    events: awsEventSink(client, config.eventBus),
    pullThrough: {
      secrets: secretsManagerSecrets(secrets),
      config: config.pullThrough.config,
      ...(config.pullThrough.queueUrl ? { dispatch: sqsJobDispatch(new SqsQueue(config.pullThrough.queueUrl, client)) } : {}),
    },
  };
}

/** A secret whose value is a base64 key, read once per cold start. */
export async function secretKey(secrets: Pick<SecretsManager, 'getSecretValue'>, secretId: string): Promise<Buffer> {
  const result = await secrets.getSecretValue({ SecretId: secretId });
  return Buffer.from(result.SecretString ?? '', 'base64');
}
