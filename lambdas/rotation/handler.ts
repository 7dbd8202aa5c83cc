import { SecretsManager } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationHandler } from 'aws-lambda';
import { rotateTokenKey } from './token-key-rotation.js';

/**
 * The rotation Lambda of the registry-token signing key: Secrets Manager invokes
 * it once per step (createSecret, setSecret, testSecret, finishSecret).
 */
const secrets = new SecretsManager({});

export const handler: SecretsManagerRotationHandler = (event) => rotateTokenKey(secrets, event);
