import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { credentialsOf, UpstreamSecretError, type UpstreamSecrets } from './upstream-secrets.js';

/** Secrets Manager's errors, as the ECR API and the registry tell them apart (lambdas/pull-through/upstream-secrets.ts). */
const PROBLEMS: Record<string, UpstreamSecretError['problem']> = {
  ResourceNotFoundException: 'not-found',
  DecryptionFailure: 'undecryptable',
  AccessDeniedException: 'no-access',
  InvalidRequestException: 'no-access',
};

/**
 * A rule's credentials on AWS: the secret its credentialArn names, read on each use, so that a
 * rotated secret applies at once. The functions may read only secrets named ecr-pullthroughcache/…,
 * as ECR requires of them (lib/registry-pull-through.ts).
 */
export function secretsManagerSecrets(client: Pick<SecretsManagerClient, 'send'>): UpstreamSecrets {
  return async (credentialArn) => {
    let text: string | undefined;
    try {
      text = (await client.send(new GetSecretValueCommand({ SecretId: credentialArn }))).SecretString;
    } catch (error) {
      const problem = PROBLEMS[(error as Error).name];
      if (!problem) throw error;
      throw new UpstreamSecretError(problem, credentialArn, `the secret ${credentialArn} could not be read (${(error as Error).name})`);
    }
    if (text === undefined) throw new UpstreamSecretError('malformed', credentialArn, `the secret ${credentialArn} holds binary data, not {"username", "accessToken"}`);
    return credentialsOf(credentialArn, text);
  };
}
