import { GetSecretValueCommand, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { TokenKey, TokenKeySet, TokenKeySource } from './token-keys.js';

/** How long a function instance trusts the keys it read; a rotation reaches it within this time. */
const CACHE_MS = 5 * 60 * 1000;

/**
 * Token-signing keys from a Secrets Manager secret whose value is a base64
 * key: AWSCURRENT signs, AWSPREVIOUS still verifies, so tokens issued before
 * a rotation stay valid. The version ID names the key in each token.
 */
export function secretsManagerTokenKeys(client: SecretsManagerClient, secretId: string, now: () => number = Date.now): TokenKeySource {
  let cached: { keys: TokenKeySet; until: number } | undefined;
  return async () => {
    if (cached && cached.until > now()) return cached.keys;
    const current = await readVersion(client, secretId, 'AWSCURRENT');
    if (!current) throw new Error(`secret ${secretId} has no AWSCURRENT version`);
    const previous = await readVersion(client, secretId, 'AWSPREVIOUS');
    const keys = { current, previous: previous ? [previous] : [] };
    cached = { keys, until: now() + CACHE_MS };
    return keys;
  };
}

async function readVersion(client: SecretsManagerClient, secretId: string, stage: string): Promise<TokenKey | undefined> {
  try {
    const result = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    return { kid: result.VersionId!, secret: Buffer.from(result.SecretString ?? '', 'base64') };
  } catch (error) {
    // A secret that was never rotated has no AWSPREVIOUS version.
    if (error instanceof ResourceNotFoundException && stage !== 'AWSCURRENT') return undefined;
    throw error;
  }
}
