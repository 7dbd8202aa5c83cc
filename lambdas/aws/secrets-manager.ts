import type {
  DescribeSecretRequest, DescribeSecretResponse, GetSecretValueRequest, GetSecretValueResponse, PutSecretValueRequest,
  PutSecretValueResponse, UpdateSecretVersionStageRequest, UpdateSecretVersionStageResponse,
} from '@aws-sdk/client-secrets-manager';
import type { AwsClientOptions } from './aws-client.js';
import { JsonClient } from './json-client.js';
import type { JsonShape } from './json-shape.js';

export const SECRETS_MANAGER = { hostPrefix: 'secretsmanager', environmentId: 'SECRETS_MANAGER', signingName: 'secretsmanager', targetPrefix: 'secretsmanager', jsonVersion: '1.1' } as const;

/** Secrets Manager's operations that the functions call: reading secrets, and rotating the token key. */
export class SecretsManager extends JsonClient {
  constructor(options: AwsClientOptions) {
    super(SECRETS_MANAGER, options);
  }

  getSecretValue(input: JsonShape<GetSecretValueRequest>): Promise<JsonShape<GetSecretValueResponse>> {
    return this.send('GetSecretValue', input);
  }

  describeSecret(input: JsonShape<DescribeSecretRequest>): Promise<JsonShape<DescribeSecretResponse>> {
    return this.send('DescribeSecret', input);
  }

  putSecretValue(input: JsonShape<PutSecretValueRequest>): Promise<JsonShape<PutSecretValueResponse>> {
    return this.send('PutSecretValue', input);
  }

  updateSecretVersionStage(input: JsonShape<UpdateSecretVersionStageRequest>): Promise<JsonShape<UpdateSecretVersionStageResponse>> {
    return this.send('UpdateSecretVersionStage', input);
  }
}
