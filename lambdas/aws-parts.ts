import { secretsManagerTokenKeys } from './auth/secrets-manager-keys.js';
import { SecretsManager } from './aws/secrets-manager.js';
import { SqsQueue } from './aws/sqs.js';
import { awsEventSink } from './events/aws-event-sink.js';
import { secretsManagerSecrets } from './pull-through/secrets-manager-secrets.js';
import { sqsJobDispatch } from './pull-through/sqs-jobs.js';
import type { BerthParts } from './compose.js';
import { documentClient, s3Client } from './shared/aws-clients.js';
import type { EnvironmentConfig } from './shared/config.js';

/** The parts of Berth on AWS, from a function's validated environment. */
export function awsParts(config: EnvironmentConfig): BerthParts & { secrets: SecretsManager } {
  const secrets = new SecretsManager({ region: config.region });
  return {
    secrets,
    dynamo: documentClient({ region: config.region }),
    s3: s3Client({ region: config.region }),
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
    events: awsEventSink(config.region, config.eventBus),
    pullThrough: {
      secrets: secretsManagerSecrets(secrets),
      config: config.pullThrough.config,
      ...(config.pullThrough.queueUrl ? { dispatch: sqsJobDispatch(new SqsQueue(config.pullThrough.queueUrl, { region: config.region })) } : {}),
    },
  };
}

/** A secret whose value is a base64 key, read once per cold start. */
export async function secretKey(secrets: Pick<SecretsManager, 'getSecretValue'>, secretId: string): Promise<Buffer> {
  const result = await secrets.getSecretValue({ SecretId: secretId });
  return Buffer.from(result.SecretString ?? '', 'base64');
}
