import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RunningRegistry } from '../../local/berth-server.js';

export interface SigningOptions {
  credentials?: { accessKeyId: string; secretAccessKey: string };
  service?: string;
  signingDate?: Date;
}

/** A management request signed with SigV4 as an SDK would sign it, ready to send or to tamper with. */
export async function signedManagementRequest(registry: RunningRegistry, target: string, body: unknown, options: SigningOptions = {}) {
  const url = new URL(registry.url);
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
    },
    body: JSON.stringify(body),
  });
  const signer = new SignatureV4({
    credentials: options.credentials ?? registry.adminKey,
    region: registry.identity.region,
    service: options.service ?? 'ecr',
    sha256: Sha256,
  });
  const signed = await signer.sign(request, { signingDate: options.signingDate ?? new Date() });
  return { headers: signed.headers as Record<string, string>, body: signed.body as string };
}

export function send(registry: RunningRegistry, request: { headers: Record<string, string>; body: string }): Promise<Response> {
  const headers = { ...request.headers };
  delete headers.host;
  return fetch(`${registry.url}/`, { method: 'POST', headers, body: request.body });
}

export async function errorType(response: Response): Promise<string> {
  return ((await response.json()) as { __type: string }).__type;
}
