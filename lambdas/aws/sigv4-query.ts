import { createHash, createHmac } from 'node:crypto';
import type { Credentials } from './credentials.js';
import { escapeUri } from './node-transport.js';

/**
 * Signature Version 4 in the query string: S3's presigned URLs, made (lambdas/aws/s3.ts) and
 * checked (local S3) by the same few steps. The SDK's signer does the same through a general
 * request model, cloned and normalised per call, and derives an HMAC of the credentials on every
 * call to look up its signing key: the largest part of a blob GET's redirect in a process that
 * had been idle. Both sides are held to the SDK apart: the URLs are getSignedUrl's byte for byte
 * (test/unit/s3-urls.test.ts), and local S3 accepts the SDK's own presigned URLs.
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** The longest a presigned URL may last: S3 refuses longer, and the SDK will not sign one. */
export const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;

/** A request as its signature covers it. */
export interface QuerySigned {
  method: string;
  /** The path as sent: S3 signs it without escaping it again. */
  path: string;
  /** Every query parameter the URL carries; X-Amz-Signature, if there, is left out of the signature. */
  query: Record<string, string | string[]>;
  /** The signed headers, host among them, by lower-case name. */
  headers: Record<string, string>;
  /** What X-Amz-Content-Sha256 says, or UNSIGNED-PAYLOAD. */
  payloadHash: string;
}

/** Whose signature, for which day, region and service. */
export interface SigningScope {
  secretAccessKey: string;
  /** YYYYMMDDTHHMMSSZ, as X-Amz-Date gives it. */
  amzDate: string;
  region: string;
  service: string;
}

/** X-Amz-Date's form of `date`: the UTC time to the second. */
function amzDateOf(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** The credential scope: day, region, service. */
function scopeOf(amzDate: string, region: string, service: string): string {
  return `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`;
}

/** The hex signature of `request` in `scope`. */
export function querySignature(request: QuerySigned, scope: SigningScope): string {
  const names = Object.keys(request.headers).sort();
  const canonicalRequest = [
    request.method,
    request.path,
    canonicalQuery(request.query),
    ...names.map((name) => `${name}:${trimmed(request.headers[name]!)}`),
    '',
    names.join(';'),
    request.payloadHash,
  ].join('\n');
  const credentialScope = scopeOf(scope.amzDate, scope.region, scope.service);
  const stringToSign = `${ALGORITHM}\n${scope.amzDate}\n${credentialScope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  return createHmac('sha256', signingKey(scope)).update(stringToSign).digest('hex');
}

/**
 * The query of a presigned URL for `request` (whose `query` holds the operation's own parameters):
 * those, the signature's parameters, and the signature.
 */
export function presignedQuery(request: QuerySigned, credentials: Credentials, region: string, service: string, signingDate: Date, expiresInSeconds: number): Record<string, string> {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGNED_SECONDS) {
    throw new RangeError(`a presigned URL lasts 1 to ${MAX_PRESIGNED_SECONDS} seconds, not ${expiresInSeconds}`);
  }
  const amzDate = amzDateOf(signingDate);
  const query: Record<string, string> = {
    ...(request.query as Record<string, string>),
    ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
    'X-Amz-Algorithm': ALGORITHM,
    'X-Amz-Credential': `${credentials.accessKeyId}/${scopeOf(amzDate, region, service)}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(expiresInSeconds),
    'X-Amz-SignedHeaders': Object.keys(request.headers).sort().join(';'),
  };
  query['X-Amz-Signature'] = querySignature({ ...request, query }, { secretAccessKey: credentials.secretAccessKey, amzDate, region, service });
  return query;
}

/** Names and values escaped, in order of name, then of value for a repeated name; the signature itself left out. */
function canonicalQuery(query: QuerySigned['query']): string {
  const byName = new Map<string, string[]>();
  for (const [name, values] of Object.entries(query)) {
    if (name.toLowerCase() === 'x-amz-signature') continue;
    byName.set(escapeUri(name), (typeof values === 'string' ? [values] : values).map(escapeUri).sort());
  }
  return [...byName.keys()].sort().flatMap((name) => byName.get(name)!.map((value) => `${name}=${value}`)).join('&');
}

/** A header value as signed: line breaks as spaces, runs of spaces and tabs as one, none at either end. */
function trimmed(value: string): string {
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/** The signing key of each scope, with the secret it was derived from: one derivation (four HMACs) a day each. */
const signingKeys = new Map<string, { secretAccessKey: string; key: Buffer }>();
const MAX_SIGNING_KEYS = 50;

function signingKey({ secretAccessKey, amzDate, region, service }: SigningScope): Buffer {
  const scope = scopeOf(amzDate, region, service);
  const known = signingKeys.get(scope);
  if (known?.secretAccessKey === secretAccessKey) return known.key;
  let key = Buffer.from(`AWS4${secretAccessKey}`);
  for (const part of [amzDate.slice(0, 8), region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
  signingKeys.set(scope, { secretAccessKey, key });
  return key;
}
