import type { UpstreamCredentials } from '../shared/upstream/registry-client.js';

/**
 * Where a rule's upstream credentials come from: a Secrets Manager secret on
 * AWS, a file in the data directory locally. The secret holds ECR's format,
 * `{"username": "…", "accessToken": "…"}`.
 */
export type UpstreamSecrets = (credentialArn: string) => Promise<UpstreamCredentials>;

/** Why a secret could not be used; the ECR API and the registry each say it in their own terms. */
export class UpstreamSecretError extends Error {
  constructor(readonly problem: 'not-found' | 'no-access' | 'undecryptable' | 'malformed', readonly credentialArn: string, message: string) {
    super(message);
    this.name = 'UpstreamSecretError';
  }
}

/** The credentials in a secret's text, or a malformed-secret error naming what is wrong. */
export function credentialsOf(credentialArn: string, text: string): UpstreamCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UpstreamSecretError('malformed', credentialArn, `the secret ${credentialArn} is not JSON`);
  }
  const { username, accessToken } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof username !== 'string' || typeof accessToken !== 'string' || username === '' || accessToken === '') {
    throw new UpstreamSecretError('malformed', credentialArn, `the secret ${credentialArn} must hold {"username": "...", "accessToken": "..."}`);
  }
  return { username, password: accessToken };
}

/** The secret's name in its ARN (`ecr-pullthroughcache/hub` in `arn:aws:secretsmanager:…:secret:ecr-pullthroughcache/hub`). */
export function secretNameOf(credentialArn: string): string {
  return credentialArn.slice(credentialArn.indexOf(':secret:') + ':secret:'.length);
}
