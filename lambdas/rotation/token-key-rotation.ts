import { randomBytes } from 'node:crypto';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { isAwsError } from '../aws/aws-error.js';
import type { SecretsManager } from '../aws/secrets-manager.js';

/** The Secrets Manager calls a rotation makes. */
export type RotationSecrets = Pick<SecretsManager, 'describeSecret' | 'getSecretValue' | 'putSecretValue' | 'updateSecretVersionStage'>;

export const CURRENT = 'AWSCURRENT';
export const PENDING = 'AWSPENDING';

/** Bytes of a token-signing key: HS256 wants at least 32. */
export const TOKEN_KEY_BYTES = 32;

export class RotationError extends Error {
  override name = 'RotationError';
}

/** A new signing key as the secret stores it: 32 random bytes, base64. */
export function newTokenKey(): string {
  return randomBytes(TOKEN_KEY_BYTES).toString('base64');
}

/** Whether a secret value is a key this rotation wrote: canonical base64 of 32 bytes. */
export function isTokenKey(value: string): boolean {
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === TOKEN_KEY_BYTES && bytes.toString('base64') === value;
}

/**
 * One step of Secrets Manager's four-step rotation of the registry-token signing key.
 * Every step is idempotent: Secrets Manager retries a step that failed or timed out.
 *
 * The key signs tokens only Berth verifies, so no other system learns the new
 * value (setSecret does nothing), and verifiers keep accepting the previous
 * version (AWSPREVIOUS) until the tokens it signed expire.
 */
export async function rotateTokenKey(
  secrets: RotationSecrets,
  event: SecretsManagerRotationEvent,
  generate: () => string = newTokenKey,
): Promise<void> {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  const description = await secrets.describeSecret({ SecretId: secretId });
  if (description.RotationEnabled !== true) throw new RotationError(`rotation is not enabled for ${secretId}`);
  const stages = description.VersionIdsToStages?.[token];
  if (!stages) throw new RotationError(`version ${token} of ${secretId} has no stage to rotate`);
  if (stages.includes(CURRENT)) return; // an earlier invocation finished this rotation
  if (!stages.includes(PENDING)) throw new RotationError(`version ${token} of ${secretId} is not ${PENDING}`);

  switch (step) {
    case 'createSecret':
      return createSecret(secrets, secretId, token, generate);
    case 'setSecret':
      return; // nothing outside Secrets Manager holds the key
    case 'testSecret':
      return testSecret(secrets, secretId, token);
    case 'finishSecret':
      return finishSecret(secrets, secretId, token, description.VersionIdsToStages ?? {});
    default:
      throw new RotationError(`unknown rotation step ${JSON.stringify(step)}`);
  }
}

async function createSecret(secrets: RotationSecrets, secretId: string, token: string, generate: () => string): Promise<void> {
  // Fails when the secret has no current value, which no rotation can repair.
  await secrets.getSecretValue({ SecretId: secretId, VersionStage: CURRENT });
  if ((await pendingValue(secrets, secretId, token)) !== undefined) return;
  await secrets.putSecretValue({ SecretId: secretId, ClientRequestToken: token, SecretString: generate(), VersionStages: [PENDING] });
}

async function testSecret(secrets: RotationSecrets, secretId: string, token: string): Promise<void> {
  const value = await pendingValue(secrets, secretId, token);
  if (value === undefined || !isTokenKey(value)) {
    throw new RotationError(`the ${PENDING} version ${token} of ${secretId} is not a base64 ${TOKEN_KEY_BYTES}-byte key`);
  }
}

async function finishSecret(secrets: RotationSecrets, secretId: string, token: string, versions: Record<string, string[]>): Promise<void> {
  const current = Object.entries(versions).find(([, stages]) => stages.includes(CURRENT))?.[0];
  // Moving AWSCURRENT makes Secrets Manager label the version it leaves AWSPREVIOUS.
  await secrets.updateSecretVersionStage({
    SecretId: secretId,
    VersionStage: CURRENT,
    MoveToVersionId: token,
    ...(current === undefined ? {} : { RemoveFromVersionId: current }),
  });
}

async function pendingValue(secrets: RotationSecrets, secretId: string, token: string): Promise<string | undefined> {
  try {
    const result = await secrets.getSecretValue({ SecretId: secretId, VersionId: token, VersionStage: PENDING });
    return result.SecretString;
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}
