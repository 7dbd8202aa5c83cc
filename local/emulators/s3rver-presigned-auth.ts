import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type S3rver from 's3rver';
import type { S3rverContext } from 's3rver';
import S3Error from 's3rver/lib/models/error.js';
import { NodeSha256 } from '../../lambdas/shared/crypto/node-sha256.js';
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

interface Presigned {
  accessKeyId: string;
  region: string;
  service: string;
  signingDate: Date;
  expiresIn: number;
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
  if (single(query['X-Amz-Algorithm']) !== 'AWS4-HMAC-SHA256' || !credential || !date || !/^\d{1,6}$/.test(expires) || Number(expires) > 604_800 || !signedHeaders || !signature) {
    throw new S3Error('AuthorizationQueryParametersError', 'Query-string authentication version 4 requires the X-Amz-Algorithm (AWS4-HMAC-SHA256), X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires (at most 604800) parameters.');
  }
  const [, accessKeyId, , region, service] = credential as unknown as string[];
  const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
  return {
    accessKeyId: accessKeyId!,
    region: region!,
    service: service!,
    signingDate: new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!)),
    expiresIn: Number(expires),
    signedHeaders: signedHeaders.split(';'),
    signature,
  };
}

/**
 * One signer per region and service, kept: a signer remembers its signing key for the day, four
 * HMACs fewer per request. The scope is the caller's to name, so only a few are kept.
 */
const signers = new Map<string, SignatureV4>();
const MAX_SIGNERS = 8;

function signerFor(region: string, service: string): SignatureV4 {
  const name = `${region}/${service}`;
  let signer = signers.get(name);
  if (!signer) {
    if (signers.size >= MAX_SIGNERS) signers.clear();
    signer = new SignatureV4({ credentials: LOCAL_CREDENTIALS, region, service, sha256: NodeSha256, uriEscapePath: false });
    signers.set(name, signer);
  }
  return signer;
}

/**
 * The signature the presigner made, if the request is the one it signed: the same method, path,
 * query and signed header values. The payload is unsigned, as in every presigned URL S3 serves,
 * unless the query or a signed header names its hash.
 */
async function expectedSignature(ctx: S3rverContext, presigned: Presigned): Promise<string> {
  const headers: Record<string, string> = {};
  for (const name of presigned.signedHeaders) {
    const value = ctx.headers[name];
    if (value === undefined) refuse();
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  headers[PAYLOAD_HASH] ??= single(ctx.query['X-Amz-Content-Sha256']) ?? 'UNSIGNED-PAYLOAD';
  const query = Object.fromEntries(Object.entries(ctx.query).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined));
  const signer = signerFor(presigned.region, presigned.service);
  const request = new HttpRequest({ method: ctx.method, protocol: 'http:', hostname: 'local-s3', path: ctx.path, query, headers });
  const signed = await signer.presign(request, {
    signingDate: presigned.signingDate,
    expiresIn: presigned.expiresIn,
    // Headers stay headers, and sign only if the URL says they were signed.
    unhoistableHeaders: new Set(Object.keys(headers)),
    unsignableHeaders: new Set([PAYLOAD_HASH]),
    signableHeaders: new Set(presigned.signedHeaders),
  });
  return signed.query!['X-Amz-Signature'] as string;
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
      if (!sameSignature(await expectedSignature(ctx, presigned), presigned.signature)) refuse();
      checked.set(ctx.req, presigned.signingDate.getTime() + presigned.expiresIn * 1000);
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
