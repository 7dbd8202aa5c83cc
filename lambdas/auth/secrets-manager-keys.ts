import { GetSecretValueCommand, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { TokenKey, TokenKeySet, TokenKeySource } from './token-keys.js';

/** How long a function instance trusts the keys it read; a rotation reaches it within this time. */
const CACHE_MS = 5 * 60 * 1000;

export interface SecretsManagerKeyOptions {
  /** The least time between two reads prompted by tokens signed with a key the instance does not know. */
  refreshSeconds: number;
  now?: () => number;
}

/**
 * Token-signing keys from a Secrets Manager secret whose value is a base64
 * key: AWSCURRENT signs, AWSPREVIOUS still verifies, so tokens issued before
 * a rotation stay valid. The version ID names the key in each token.
 *
 * A token signed with a key this instance has not read is most likely from an
 * instance that already saw a rotation: the keys are read again at once rather
 * than when the cache expires, but at most once per `refreshSeconds`, so tokens
 * naming made-up keys cannot turn every request into a Secrets Manager call.
 */
export function secretsManagerTokenKeys(client: SecretsManagerClient, secretId: string, options: SecretsManagerKeyOptions): TokenKeySource {
  const now = options.now ?? Date.now;
  const refreshMs = options.refreshSeconds * 1000;
  let cached: { keys: TokenKeySet; readAt: number } | undefined;
  // One read at a time: the requests a cold instance takes at once share it.
  let reading: Promise<TokenKeySet> | undefined;
  const read = async (): Promise<TokenKeySet> => {
    // Both versions at once: in sequence they doubled the first request's wait.
    const [current, previous] = await Promise.all([readVersion(client, secretId, 'AWSCURRENT'), readVersion(client, secretId, 'AWSPREVIOUS')]);
    if (!current) throw new Error(`secret ${secretId} has no AWSCURRENT version`);
    cached = { keys: { current, previous: previous ? [previous] : [] }, readAt: now() };
    return cached.keys;
  };
  return async (wantedKid) => {
    if (cached) {
      const age = now() - cached.readAt;
      const unknown = wantedKid !== undefined && !knows(cached.keys, wantedKid);
      if (age < CACHE_MS && !(unknown && age >= refreshMs)) return cached.keys;
    }
    reading ??= read().finally(() => {
      reading = undefined;
    });
    return reading;
  };
}

function knows(keys: TokenKeySet, kid: string): boolean {
  return keys.current.kid === kid || keys.previous.some((key) => key.kid === kid);
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
