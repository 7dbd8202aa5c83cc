import { isAwsError } from '../aws/aws-error.js';
import type { SecretsManager } from '../aws/secrets-manager.js';
import { cachedTokenKeys, type CachedTokenKeyOptions } from './cached-token-keys.js';
import type { TokenKey, TokenKeySource } from './token-keys.js';

type SecretReader = Pick<SecretsManager, 'getSecretValue'>;

/**
 * Token-signing keys from a Secrets Manager secret whose value is a base64
 * key: AWSCURRENT signs, AWSPREVIOUS still verifies, so tokens issued before
 * a rotation stay valid. The version ID names the key in each token. Kept as
 * ./cached-token-keys.ts keeps them.
 */
export function secretsManagerTokenKeys(client: SecretReader, secretId: string, options: CachedTokenKeyOptions): TokenKeySource {
  return cachedTokenKeys(async () => {
    // Both versions at once: in sequence they doubled the first request's wait.
    const [current, previous] = await Promise.all([readVersion(client, secretId, 'AWSCURRENT'), readVersion(client, secretId, 'AWSPREVIOUS')]);
    if (!current) throw new Error(`secret ${secretId} has no AWSCURRENT version`);
    return { current, previous: previous ? [previous] : [] };
  }, options);
}

async function readVersion(client: SecretReader, secretId: string, stage: string): Promise<TokenKey | undefined> {
  try {
    const result = await client.getSecretValue({ SecretId: secretId, VersionStage: stage });
    return { kid: result.VersionId!, secret: Buffer.from(result.SecretString ?? '', 'base64') };
  } catch (error) {
    // A secret that was never rotated has no AWSPREVIOUS version.
    if (isAwsError(error, 'ResourceNotFoundException') && stage !== 'AWSCURRENT') return undefined;
    throw error;
  }
}
