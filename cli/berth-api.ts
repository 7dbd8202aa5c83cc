import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { NodeSha256 } from '../lambdas/shared/crypto/node-sha256.js';
import { IAM_PREFIX, PULL_TOKEN_PATH, STS_PULL_TOKEN_PATH, STS_TOKEN_PATH, TOKEN_PATH } from '../lambdas/shared/paths.js';
import { presignCallerIdentity, stsEndpointFor } from './aws-identity.js';
import { credentialsProvider, regionProvider, skipInstanceMetadataFor, type CredentialOptions } from './aws-credentials.js';
import { CliError } from './errors.js';
import type { RegistryTarget } from './registry.js';

/**
 * Berth's routes that the ECR client cannot call: the token routes of docker
 * login, and Berth's own actions (X-Amz-Target `Berth_V1.…`). Requests are
 * signed with SigV4 as the ECR client signs them, with the same credentials and region.
 */

/** Berth's own actions use ECR's JSON 1.1 protocol under this X-Amz-Target prefix (lambdas/management/app.ts). */
export const BERTH_TARGET_PREFIX = 'Berth_V1.';
const JSON_1_1 = 'application/x-amz-json-1.1';

/** What a token route answers: ECR's GetAuthorizationToken data, decoded. */
export interface LoginToken {
  /** docker login's password (a registry token); the user name is always AWS. */
  password: string;
  expiresAt: Date;
  proxyEndpoint: string;
  /** The raw response, for --json. */
  authorizationData: AuthorizationData;
}

export interface AuthorizationData {
  authorizationToken: string;
  expiresAt: number;
  proxyEndpoint: string;
}

/** What commands call Berth's own routes through: the signed client, or a fake in tests. */
export interface BerthApi {
  /** The key the requests are signed with, which names the principal (e.g. for a token cache). */
  accessKeyId(): Promise<string>;
  /** The region the requests are signed for. */
  region(): Promise<string>;
  /** A registry token from the token route, or the pull-only one. */
  loginToken(options: { pullOnly: boolean }): Promise<LoginToken>;
  /**
   * The same from the STS token route, for principals of other accounts, which
   * API Gateway's IAM authorizer refuses: proven by a presigned GetCallerIdentity.
   */
  stsLoginToken(options: { pullOnly: boolean }): Promise<LoginToken>;
  /** One of Berth's own actions, e.g. CreateAccessKey. */
  call(action: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** The signed client of a registry, resolving credentials and region once, on first use. */
export function createBerthApi(registry: RegistryTarget, options: CredentialOptions = {}): BerthApi {
  skipInstanceMetadataFor(registry);
  const resolveCredentials = credentialsProvider(registry, options);
  const resolveRegion = regionProvider(registry);
  let credentials: Promise<AwsCredentialIdentity> | undefined;
  let region: Promise<string> | undefined;
  const identity = () => Promise.all([credentials ??= resolveCredentials(), region ??= resolveRegion()]);

  async function post(path: string, service: string, headers: Record<string, string>, body: string): Promise<Response> {
    const [signingCredentials, signingRegion] = await identity();
    const url = new URL(`${registry.url.replace(/\/$/, '')}${path}`);
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      headers: { host: url.host, ...headers },
      body,
    });
    const signer = new SignatureV4({ credentials: signingCredentials, region: signingRegion, service, sha256: NodeSha256 });
    const signed = await signer.sign(request);
    // fetch sets Host itself, from the URL that was signed.
    const sent = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== 'host'));
    return fetch(url, { method: 'POST', headers: sent, body: body === '' ? undefined : body, redirect: 'manual' });
  }

  return {
    accessKeyId: async () => (await identity())[0].accessKeyId,
    region: async () => (await identity())[1],
    async loginToken({ pullOnly }) {
      // The token routes sit under /iam, where API Gateway's IAM authorizer checks execute-api signatures (locally, the server does).
      const response = await post(pullOnly ? PULL_TOKEN_PATH : TOKEN_PATH, 'execute-api', {}, '');
      const output = await readJson(response, registry);
      return decodeAuthorizationData(output, registry);
    },
    async stsLoginToken({ pullOnly }) {
      const [signingCredentials, signingRegion] = await identity();
      const getCallerIdentityUrl = await presignCallerIdentity({
        credentials: signingCredentials,
        region: signingRegion,
        stsEndpoint: stsEndpointFor(signingRegion, process.env),
        registryHost: new URL(registry.url).host,
      });
      // The proof is in the body, which the registry sends on to STS; the request itself needs no signature.
      const response = await fetch(`${registry.url.replace(/\/$/, '')}${pullOnly ? STS_PULL_TOKEN_PATH : STS_TOKEN_PATH}`, {
        method: 'POST',
        headers: { 'content-type': JSON_1_1 },
        body: JSON.stringify({ getCallerIdentityUrl }),
        redirect: 'manual',
      });
      return decodeAuthorizationData(await readJson(response, registry), registry);
    },
    async call(action, input) {
      // Like the ECR client: `/` signed for ecr locally, `/iam` signed for execute-api behind API Gateway.
      const path = registry.signingService === 'execute-api' ? IAM_PREFIX : '/';
      const response = await post(path, registry.signingService, { 'content-type': JSON_1_1, 'x-amz-target': `${BERTH_TARGET_PREFIX}${action}` }, JSON.stringify(input));
      return readJson(response, registry);
    },
  };
}

/** An error of ECR's JSON 1.1 protocol (or API Gateway's), named by its type as the SDK names them. */
export class ApiError extends Error {
  constructor(name: string, message: string, readonly status: number) {
    super(message);
    this.name = name;
  }
}

/** A successful response's JSON object; an error response as an ApiError; anything else as not Berth's protocol. */
async function readJson(response: Response, registry: RegistryTarget): Promise<Record<string, unknown>> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const object = typeof body === 'object' && body !== null && !Array.isArray(body) ? body as Record<string, unknown> : undefined;
  if (response.ok && object) return object;
  // API Gateway names its own refusals (IAM authorizer, throttling) in x-amzn-ErrorType; Berth puts the type in both.
  const headerType = response.headers.get('x-amzn-errortype')?.split(':')[0];
  const bodyType = typeof object?.__type === 'string' ? object.__type.split('#').pop() : undefined;
  const message = [object?.message, object?.Message].find((value): value is string => typeof value === 'string');
  const type = headerType || bodyType;
  if (!response.ok && (type || message)) {
    throw new ApiError(type || `HTTP${response.status}`, message ?? `HTTP ${response.status}`, response.status);
  }
  throw new CliError('UnexpectedResponse', `${registry.url} did not answer in ECR's protocol (HTTP ${response.status}); is it a Berth registry?`,
    'check the registry URL (--registry or BERTH_REGISTRY)');
}

function decodeAuthorizationData(output: Record<string, unknown>, registry: RegistryTarget): LoginToken {
  const data = (output.authorizationData as AuthorizationData[] | undefined)?.[0];
  const decoded = typeof data?.authorizationToken === 'string' ? Buffer.from(data.authorizationToken, 'base64').toString('utf8') : '';
  if (!data || !decoded.startsWith('AWS:') || typeof data.expiresAt !== 'number') {
    throw new CliError('UnexpectedResponse', `the token route of ${registry.url} answered no authorizationData; is it a Berth registry?`,
      'check the registry URL (--registry or BERTH_REGISTRY)');
  }
  return {
    password: decoded.slice('AWS:'.length),
    expiresAt: new Date(data.expiresAt * 1000),
    proxyEndpoint: data.proxyEndpoint,
    authorizationData: data,
  };
}
