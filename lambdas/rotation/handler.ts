import type { SecretsManagerRotationHandler } from 'aws-lambda';
import { SecretsManager } from '../aws/secrets-manager.js';
import { rotateTokenKey } from './token-key-rotation.js';

/**
 * The rotation Lambda of the registry-token signing key: Secrets Manager invokes
 * it once per step (createSecret, setSecret, testSecret, finishSecret).
 */
const region = process.env.AWS_REGION;
if (!region) throw new Error('AWS_REGION is not set: the Lambda runtime sets it');
const secrets = new SecretsManager({ region });

export const handler: SecretsManagerRotationHandler = (event) => rotateTokenKey(secrets, event);
