import { AwsError } from '../aws/aws-error.js';
import type { SecretsManager } from '../aws/secrets-manager.js';
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
export function secretsManagerSecrets(client: Pick<SecretsManager, 'getSecretValue'>): UpstreamSecrets {
  return async (credentialArn) => {
    let text: string | undefined;
    try {
      text = (await client.getSecretValue({ SecretId: credentialArn })).SecretString;
    } catch (error) {
      const problem = error instanceof AwsError ? PROBLEMS[error.name] : undefined;
      if (!problem) throw error;
      throw new UpstreamSecretError(problem, credentialArn, `the secret ${credentialArn} could not be read (${(error as AwsError).name})`);
    }
    if (text === undefined) throw new UpstreamSecretError('malformed', credentialArn, `the secret ${credentialArn} holds binary data, not {"username", "accessToken"}`);
    return credentialsOf(credentialArn, text);
  };
}
