import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type S3rver from 's3rver';
import type { S3rverContext } from 's3rver';
import S3Error from 's3rver/lib/models/error.js';
import { ALGORITHM, MAX_PRESIGNED_SECONDS, querySignature } from '../../lambdas/aws/sigv4-query.js';
import { LOCAL_CREDENTIALS } from './local-aws.js';

/**
 * Presigned requests (SigV4 in the query), checked as S3 checks them. s3rver verifies no V4
 * signature at all; this signs the request again from what it carries and compares, so a URL
 * altered in any part the signature covers (key, expiry, a signed header's value such as a signed
 * `If-None-Match: *` or `x-amz-checksum-sha256`) is refused with SignatureDoesNotMatch.
 *
 * One deliberate difference from S3: an Authorization header of a scheme other than S3's own is
 * ignored beside a presigned query, where S3 refuses two auth mechanisms. Some clients (Go's resty)
 * copy every header, the registry's Basic or Bearer credentials included, to a redirect on the same
 * host name; locally the registry and S3 differ only by port, so a blob GET's redirect would fail
 * for them. On AWS the S3 host differs and such clients drop the header.
 */

const S3_AUTHORIZATION = /^(AWS4-HMAC-SHA256|AWS) /i;
const CREDENTIAL = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const PAYLOAD_HASH = 'x-amz-content-sha256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

interface Presigned {
  accessKeyId: string;
  region: string;
  service: string;
  /** X-Amz-Date, as sent. */
  amzDate: string;
  /** When the URL expires, in ms since the epoch. */
  expiresAt: number;
  signedHeaders: string[];
  signature: string;
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function refuse(): never {
  throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
}

/** The query's auth parameters, or a refusal naming them as S3 does when one is missing or malformed. */
function presignedParams(query: S3rverContext['query']): Presigned {
  const credential = CREDENTIAL.exec(single(query['X-Amz-Credential']) ?? '');
  const date = AMZ_DATE.exec(single(query['X-Amz-Date']) ?? '');
  const expires = single(query['X-Amz-Expires']) ?? '';
  const signedHeaders = single(query['X-Amz-SignedHeaders']);
  const signature = single(query['X-Amz-Signature']);
  if (single(query['X-Amz-Algorithm']) !== ALGORITHM || !credential || !date || !/^\d{1,6}$/.test(expires) || Number(expires) > MAX_PRESIGNED_SECONDS || !signedHeaders || !signature) {
    throw new S3Error('AuthorizationQueryParametersError', 'Query-string authentication version 4 requires the X-Amz-Algorithm (AWS4-HMAC-SHA256), X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires (at most 604800) parameters.');
  }
  const [, accessKeyId, , region, service] = credential as unknown as string[];
  const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
  return {
    accessKeyId: accessKeyId!,
    region: region!,
    service: service!,
    amzDate: date[0],
    expiresAt: Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) + Number(expires) * 1000,
    signedHeaders: signedHeaders.split(';'),
    signature,
  };
}

/**
 * The signature the presigner made, if the request is the one it signed: the same method, path,
 * query and signed header values. The payload is unsigned, as in every presigned URL S3 serves,
 * unless the query or a signed header names its hash.
 */
function expectedSignature(ctx: S3rverContext, presigned: Presigned): string {
  const headers: Record<string, string> = {};
  for (const name of presigned.signedHeaders) {
    const value = ctx.headers[name];
    if (value === undefined) refuse();
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const payloadHash = headers[PAYLOAD_HASH] ?? single(ctx.query['X-Amz-Content-Sha256']) ?? UNSIGNED_PAYLOAD;
  const query = Object.fromEntries(Object.entries(ctx.query).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined));
  return querySignature(
    { method: ctx.method, path: ctx.path, query, headers, payloadHash },
    { secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey, amzDate: presigned.amzDate, region: presigned.region, service: presigned.service },
  );
}

function sameSignature(expected: string, provided: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(provided);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Requests whose presigned signature was checked here, with when their URL expires (ms since the epoch). */
const checked = new WeakMap<IncomingMessage, number>();

/**
 * When the presigned URL of `ctx` expires, if this checked its signature; else undefined, and s3rver
 * decides (its own key pair's URLs are the only ones checked here).
 */
export function checkedPresignedExpiry(ctx: S3rverContext): number | undefined {
  return checked.get(ctx.req);
}

function presignedAuthMiddleware() {
  return async (ctx: S3rverContext, next: () => Promise<void>): Promise<void> => {
    if (!('X-Amz-Algorithm' in ctx.query)) return next();
    const presigned = presignedParams(ctx.query);
    // s3rver answers a key pair it does not know (InvalidAccessKeyId) and an expired URL.
    if (presigned.accessKeyId === LOCAL_CREDENTIALS.accessKeyId) {
      if (!sameSignature(expectedSignature(ctx, presigned), presigned.signature)) refuse();
      checked.set(ctx.req, presigned.expiresAt);
    }
    const authorization = ctx.headers.authorization;
    if (authorization !== undefined && !S3_AUTHORIZATION.test(authorization)) delete ctx.headers.authorization;
    await next();
  };
}

/** Extends `server` before it starts listening. */
export function checkPresignedRequests(server: S3rver): void {
  server.middleware.unshift(presignedAuthMiddleware());
}
