import { RegistryError } from '../registry/errors.js';
import { UpstreamAuthError } from '../shared/upstream/registry-client.js';
import { UpstreamSecretError } from './upstream-secrets.js';

/** Why an upstream did not serve what the cache asked for. */
export class UpstreamError extends Error {
  constructor(readonly problem: 'not-found' | 'denied' | 'limited' | 'unavailable', message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** The error for an upstream's answer that is not a success. */
export async function refusal(response: Response, where: string, what: string): Promise<UpstreamError> {
  await response.body?.cancel();
  const { status } = response;
  if (status === 404) return new UpstreamError('not-found', `${where} has no ${what}`);
  if (status === 401 || status === 403) return new UpstreamError('denied', `${where} refused access to ${what} (HTTP ${status})`);
  if (status === 429) return new UpstreamError('limited', `${where} limits the pulls it serves, and refused ${what} (HTTP 429)`);
  return new UpstreamError('unavailable', `${where} could not serve ${what} (HTTP ${status})`);
}

/** Runs a call to an upstream, turning what can go wrong on the way (network, sign-in, secret) into an UpstreamError. */
export async function fromUpstream<T>(where: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    if (error instanceof UpstreamAuthError || error instanceof UpstreamSecretError) throw new UpstreamError('denied', error.message);
    // fetch rejects with a TypeError when the connection fails; the cause says why (ECONNREFUSED, a DNS failure, …).
    if (error instanceof TypeError) throw new UpstreamError('unavailable', `${where} could not be reached (${String((error as { cause?: unknown }).cause ?? error.message)})`);
    throw error;
  }
}

/**
 * The OCI error a client gets when the upstream failed and nothing is cached.
 * A refusal reads as ECR words it, with the upstream's reason after it. An
 * upstream that cannot be reached leaves the image unknown here: no 5xx, which
 * clients would retry against a registry that is itself fine.
 */
export function registryErrorOf(error: UpstreamError, unknown: 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN'): RegistryError {
  switch (error.problem) {
    case 'denied':
      return new RegistryError('DENIED', `The authentication to the upstream registry failed. Verify that the credentials provided in the pull through cache rule are correct, and try again: ${error.message}`);
    case 'limited':
      return new RegistryError('TOOMANYREQUESTS', error.message);
    default:
      return new RegistryError(unknown, error.message);
  }
}
