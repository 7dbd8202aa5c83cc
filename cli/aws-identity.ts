import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { GET_CALLER_IDENTITY_QUERY, REGISTRY_BINDING_HEADER } from '../lambdas/auth/sts-request.js';
import { serviceEndpoint, type ServiceName } from '../lambdas/aws/endpoints.js';
import { NodeSha256 } from '../lambdas/shared/crypto/node-sha256.js';

/**
 * Proof of an AWS identity for a registry in another account: a presigned
 * sts:GetCallerIdentity URL that the registry sends to STS to learn who signed
 * it. The registry's host is signed in a header, so the URL is good for that
 * registry alone, and only briefly.
 */

/** Long enough to reach the registry; the registry bounds the age again by its own setting. */
const PRESIGNED_SECONDS = 60;

const STS: ServiceName = { hostPrefix: 'sts', environmentId: 'STS' };

/**
 * The STS endpoint the registry in `region` verifies with: AWS_ENDPOINT_URL_STS, then
 * AWS_ENDPOINT_URL, when set (the AWS tools' own overrides, e.g. for a VPC endpoint), else
 * the region's public endpoint in its partition's domain.
 */
export function stsEndpointFor(region: string, env: NodeJS.ProcessEnv): string {
  return serviceEndpoint(STS, region, env).href.replace(/\/+$/, '');
}

export interface IdentityProofOptions {
  credentials: AwsCredentialIdentity;
  region: string;
  stsEndpoint: string;
  /** The registry's host (host[:port]), as it names itself in tokens. */
  registryHost: string;
  now?: Date;
}

/** A presigned GetCallerIdentity URL bound to the registry by the signed header. */
export async function presignCallerIdentity(options: IdentityProofOptions): Promise<string> {
  const endpoint = new URL(options.stsEndpoint);
  const request = new HttpRequest({
    method: 'GET',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: '/',
    query: { ...GET_CALLER_IDENTITY_QUERY },
    headers: { host: endpoint.host, [REGISTRY_BINDING_HEADER]: options.registryHost },
  });
  const signer = new SignatureV4({ credentials: options.credentials, region: options.region, service: 'sts', sha256: NodeSha256 });
  const signed = await signer.presign(request, {
    expiresIn: PRESIGNED_SECONDS,
    ...(options.now ? { signingDate: options.now } : {}),
    signableHeaders: new Set([REGISTRY_BINDING_HEADER]),
  });
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(signed.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value ?? '']) query.append(key, item);
  }
  return `${endpoint.origin}/?${query}`;
}
