import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpRequest as SignableRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../shared/crypto/node-sha256.js';
import type { HttpRequest } from '../../shared/http/types.js';
import type { Principal } from '../context.js';
import { EcrError } from '../errors.js';

/** A signing key the verifier knows, and whom it stands for. */
export interface KnownCredential {
  secretAccessKey: string;
  principal: Principal;
}

export type CredentialResolver = (accessKeyId: string) => Promise<KnownCredential | undefined>;

export interface VerifierOptions {
  region: string;
  /** Services a signature may be scoped to, e.g. `ecr` for unmodified ECR tooling. */
  services: string[];
  resolve: CredentialResolver;
  now: () => Date;
}

/** AWS refuses signatures more than 5 minutes away from its clock; so does Berth. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Verifies an AWS Signature Version 4 by signing the same request again with
 * the secret of the access key it names, and comparing. The date window refuses
 * old signatures; the signed host, target and body hash refuse a replay
 * elsewhere, as another action or with another body.
 */
export function sigv4Verifier(options: VerifierOptions): (request: HttpRequest) => Promise<Principal> {
  return async (request) => {
    const header = request.headers.authorization;
    if (!header) throw new EcrError('MissingAuthenticationTokenException', 'Missing Authentication Token: sign the request with AWS Signature Version 4');
    const match = AUTHORIZATION.exec(header);
    if (!match) throw new EcrError('InvalidSignatureException', 'The Authorization header is not an AWS4-HMAC-SHA256 signature');
    const [, accessKeyId, scopeDate, region, service, signedHeaders, signature] = match as unknown as string[];

    const credential = await options.resolve(accessKeyId!);
    if (!credential) throw new EcrError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (region !== options.region) {
      throw new EcrError('InvalidSignatureException', `Credential should be scoped to a valid region: ${region} is not ${options.region}`);
    }
    if (!options.services.includes(service!)) {
      throw new EcrError('InvalidSignatureException', `Credential should be scoped to correct service: '${options.services.join("' or '")}', not '${service}'`);
    }
    const signingDate = parseAmzDate(request.headers['x-amz-date']);
    if (signingDate.toISOString().slice(0, 10).replaceAll('-', '') !== scopeDate) {
      throw new EcrError('InvalidSignatureException', 'Date in Credential scope does not match the X-Amz-Date header');
    }
    const skew = Math.abs(options.now().getTime() - signingDate.getTime());
    if (skew > MAX_CLOCK_SKEW_MS) {
      throw new EcrError('InvalidSignatureException', `Signature expired: ${request.headers['x-amz-date']} is more than 5 minutes from the server's time ${options.now().toISOString()}`);
    }
    const signed = signedHeaders!.split(';');
    requireSignedScope(request, signed);
    requireSignedBody(request);

    const expected = await expectedSignature(request, signed, signingDate, {
      region: region!, service: service!, accessKeyId: accessKeyId!, secretAccessKey: credential.secretAccessKey,
    });
    if (!constantTimeEqual(expected, signature!)) {
      throw new EcrError('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
    }
    return credential.principal;
  };
}

/**
 * A signature must name the host and the action it was made for: one that
 * leaves either out could be sent to another registry, or replayed as another
 * action with the same body (a DescribeImages as a DeleteRepository).
 */
function requireSignedScope(request: HttpRequest, signed: string[]): void {
  if (!signed.includes('host')) {
    throw new EcrError('InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (request.headers['x-amz-target'] !== undefined && !signed.includes('x-amz-target')) {
    throw new EcrError('InvalidSignatureException', "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
  }
}

/**
 * The signature must cover the body: x-amz-content-sha256, when sent, must be
 * the body's hash (the signer then signs that value), and UNSIGNED-PAYLOAD,
 * which would leave the body free to change, is refused.
 */
function requireSignedBody(request: HttpRequest): void {
  const declared = request.headers['x-amz-content-sha256'];
  if (declared === undefined) return;
  if (declared === 'UNSIGNED-PAYLOAD') {
    throw new EcrError('InvalidSignatureException', 'UNSIGNED-PAYLOAD is not accepted: the signature must cover the request body');
  }
  if (declared !== createHash('sha256').update(request.body).digest('hex')) {
    throw new EcrError('InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match the request body');
  }
}

function parseAmzDate(value: string | undefined): Date {
  const match = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) throw new EcrError('InvalidSignatureException', 'X-Amz-Date is missing or not of the form YYYYMMDDTHHMMSSZ');
  const [, y, mo, d, h, mi, s] = match;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

async function expectedSignature(
  request: HttpRequest,
  signedHeaders: string[],
  signingDate: Date,
  scope: { region: string; service: string; accessKeyId: string; secretAccessKey: string },
): Promise<string> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) throw new EcrError('InvalidSignatureException', `signed header ${name} is missing from the request`);
    headers[name] = value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of request.query) {
    const existing = query[key];
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const signable = new SignableRequest({
    method: request.method,
    protocol: 'https:',
    hostname: headers.host ?? 'localhost',
    path: request.path,
    query,
    headers,
    body: request.body,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: scope.accessKeyId, secretAccessKey: scope.secretAccessKey },
    region: scope.region,
    service: scope.service,
    sha256: NodeSha256,
    // Re-signing must treat the path exactly as the client did: AWS JSON APIs escape it once.
    uriEscapePath: true,
    // The signer would add and sign a body-hash header; only do so when the client did.
    applyChecksum: signedHeaders.includes('x-amz-content-sha256'),
  });
  const signed = await signer.sign(signable, {
    signingDate,
    // Sign exactly the headers the client signed, nothing the signer would add on its own.
    signableHeaders: new Set(signedHeaders),
    unsignableHeaders: new Set(Object.keys(request.headers).filter((name) => !signedHeaders.includes(name))),
  });
  const authorization = signed.headers.authorization ?? signed.headers.Authorization ?? '';
  return /Signature=([0-9a-f]{64})/.exec(authorization)?.[1] ?? '';
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
