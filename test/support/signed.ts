import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../lambdas/shared/crypto/node-sha256.js';
import type { RunningRegistry } from '../../local/berth-server.js';
import { LOCAL_REGION } from '../../local/emulators/local-aws.js';

export interface SigningOptions {
  credentials?: { accessKeyId: string; secretAccessKey: string };
  service?: string;
  signingDate?: Date;
  /** `/` for ECR tooling; `/iam…` for AWS principals. */
  path?: string;
  region?: string;
}

type Endpoint = { url: string; adminKey: { accessKeyId: string; secretAccessKey: string } };
export interface SignedRequest { url: string; headers: Record<string, string>; body: string }

/** A request signed with SigV4 as an SDK would sign it, ready to send or to tamper with. */
export async function signedRequest(endpoint: Endpoint, headers: Record<string, string>, body: string, options: SigningOptions = {}): Promise<SignedRequest> {
  const url = new URL(endpoint.url);
  const path = options.path ?? '/';
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers: { host: url.host, ...headers },
    body,
  });
  const signer = new SignatureV4({
    credentials: options.credentials ?? endpoint.adminKey,
    region: options.region ?? LOCAL_REGION,
    service: options.service ?? 'ecr',
    sha256: NodeSha256,
  });
  const signed = await signer.sign(request, { signingDate: options.signingDate ?? new Date() });
  return { url: `${endpoint.url}${path}`, headers: signed.headers as Record<string, string>, body: signed.body as string };
}

/** A management request in ECR's JSON 1.1 protocol. */
export function signedManagementRequest(registry: RunningRegistry, target: string, body: unknown, options: SigningOptions = {}): Promise<SignedRequest> {
  return signedRequest(registry, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, JSON.stringify(body), options);
}

export function send(request: SignedRequest): Promise<Response> {
  const headers = { ...request.headers };
  delete headers.host;
  return fetch(request.url, { method: 'POST', headers, body: request.body });
}

export async function errorType(response: Response): Promise<string> {
  return ((await response.json()) as { __type: string }).__type;
}

/** docker login's password from the token route, signed for execute-api as the CLI signs it. */
export async function loginPassword(endpoint: Endpoint, path = '/iam/token'): Promise<string> {
  const response = await send(await signedRequest(endpoint, {}, '', { service: 'execute-api', path }));
  if (response.status !== 200) throw new Error(`token route answered ${response.status}: ${await response.text()}`);
  const { authorizationData } = (await response.json()) as { authorizationData: { authorizationToken: string }[] };
  return Buffer.from(authorizationData[0]!.authorizationToken, 'base64').toString('utf8').slice('AWS:'.length);
}
