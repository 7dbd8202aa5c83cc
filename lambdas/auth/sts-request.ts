/**
 * The presigned `sts:GetCallerIdentity` request by which an AWS principal of any
 * account proves who it is (the pattern of Vault's AWS auth and aws-iam-authenticator):
 * the caller signs it, the registry sends it to STS, and STS answers with the
 * caller's ARN. HTTP APIs have no resource policies, so API Gateway's IAM
 * authorizer cannot admit principals of other accounts; STS can.
 *
 * The shape is shared by the registry, which checks it, and the CLI, which makes it.
 */

/**
 * A header the caller must sign, whose value is the registry's host: STS then
 * refuses the request anywhere the registry sends another value, so a request
 * made for one registry cannot be replayed to another to log in there.
 */
export const REGISTRY_BINDING_HEADER = 'x-berth-registry';

/** The only STS action and version a request may carry. */
export const GET_CALLER_IDENTITY_QUERY = { Action: 'GetCallerIdentity', Version: '2011-06-15' } as const;

/** The signature's own query parameters (X-Amz-Security-Token only with temporary credentials). */
const SIGNATURE_PARAMETERS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;
const OPTIONAL_PARAMETERS = ['X-Amz-Security-Token'] as const;

/** Clocks may differ: a request dated this far ahead of the registry's clock still counts, as AWS allows. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

/** Why a presigned request was refused before it reached STS. */
export class StsRequestError extends Error {
  override name = 'StsRequestError';
}

export interface CheckedRequest {
  /** The query to send to STS: only the parameters above, as the caller signed them. */
  query: URLSearchParams;
  /** When the caller signed it. */
  signedAt: Date;
}

export interface RequestRules {
  /** The STS endpoint the registry sends requests to, e.g. https://sts.eu-west-1.amazonaws.com. */
  endpoint: string;
  /** The region the endpoint signs for. */
  region: string;
  /** How old a request may be. */
  maxAgeSeconds: number;
  now: Date;
}

/**
 * Checks a presigned GetCallerIdentity URL before anything is sent: made for
 * this registry's STS endpoint (the caller never picks where the registry
 * sends it), for GetCallerIdentity alone, bound to the registry by the signed
 * header, and recent. STS then checks the signature itself.
 */
export function checkPresignedRequest(presignedUrl: string, rules: RequestRules): CheckedRequest {
  let url: URL;
  try {
    url = new URL(presignedUrl);
  } catch {
    throw new StsRequestError('the caller identity request is not a URL; send a presigned sts:GetCallerIdentity URL');
  }
  const endpoint = new URL(rules.endpoint);
  if (url.origin !== endpoint.origin || (url.pathname !== '/' && url.pathname !== '')) {
    throw new StsRequestError(`the caller identity request is for ${url.origin}${url.pathname}; this registry verifies identities with ${endpoint.origin}/ (region ${rules.region}): presign it for that endpoint`);
  }
  const allowed = new Set<string>([...Object.keys(GET_CALLER_IDENTITY_QUERY), ...SIGNATURE_PARAMETERS, ...OPTIONAL_PARAMETERS]);
  const keys = [...url.searchParams.keys()];
  const extra = keys.find((key) => !allowed.has(key) || url.searchParams.getAll(key).length > 1);
  if (extra !== undefined) throw new StsRequestError(`the caller identity request has a parameter it may not have, or more than once: ${extra}`);
  for (const [key, value] of Object.entries(GET_CALLER_IDENTITY_QUERY)) {
    if (url.searchParams.get(key) !== value) throw new StsRequestError(`the caller identity request must have ${key}=${value}`);
  }
  const missing = SIGNATURE_PARAMETERS.find((key) => !url.searchParams.has(key));
  if (missing !== undefined) throw new StsRequestError(`the caller identity request is not presigned: ${missing} is missing`);
  const get = (key: string) => url.searchParams.get(key)!;

  if (get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw new StsRequestError('the caller identity request must be signed with AWS4-HMAC-SHA256');
  const signedAt = parseAmzDate(get('X-Amz-Date'));
  const scope = /^[^/]+\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(get('X-Amz-Credential'));
  if (!scope || scope[1] !== get('X-Amz-Date').slice(0, 8)) throw new StsRequestError('X-Amz-Credential is not a credential scope of the request\'s date');
  if (scope[2] !== rules.region || scope[3] !== 'sts') {
    throw new StsRequestError(`the caller identity request is signed for ${scope[3]} in ${scope[2]}; sign it for sts in ${rules.region}`);
  }
  const signedHeaders = get('X-Amz-SignedHeaders').split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes(REGISTRY_BINDING_HEADER)) {
    throw new StsRequestError(`the caller identity request must sign the headers host and ${REGISTRY_BINDING_HEADER} (the registry's host), which bind it to this registry`);
  }

  const age = (rules.now.getTime() - signedAt.getTime()) / 1000;
  if (age > rules.maxAgeSeconds) {
    throw new StsRequestError(`the caller identity request was signed at ${signedAt.toISOString()}, more than ${rules.maxAgeSeconds} seconds ago; sign a new one`);
  }
  if (-age > MAX_CLOCK_SKEW_SECONDS) {
    throw new StsRequestError(`the caller identity request is dated ${signedAt.toISOString()}, ahead of the registry's clock (${rules.now.toISOString()}); check this machine's clock`);
  }

  const query = new URLSearchParams();
  for (const key of keys) query.set(key, get(key));
  return { query, signedAt };
}

function parseAmzDate(value: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) throw new StsRequestError('X-Amz-Date is not of the form YYYYMMDDTHHMMSSZ');
  const [, y, mo, d, h, mi, s] = match;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}
