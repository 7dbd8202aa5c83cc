import { createHash } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { ECR_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { NodeSha256 } from '../../lambdas/shared/crypto/node-sha256.js';
import { LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { useRegistry } from '../support/registry.js';
import { errorType, send, signedManagementRequest, type SignedRequest } from '../support/signed.js';

const registry = useRegistry();
const DESCRIBE = `${ECR_TARGET_PREFIX}DescribeRepositories`;

/**
 * A management request signed by a client that leaves some headers out of its
 * signature, or adds headers of its own: what an attacker could capture and replay.
 */
async function signedLeaving(target: string, body: unknown, options: { unsigned?: string[]; headers?: Record<string, string> }): Promise<SignedRequest> {
  const url = new URL(registry().url);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({ credentials: registry().adminKey, region: LOCAL_REGION, service: 'ecr', sha256: NodeSha256 });
  const signed = await signer.sign(new HttpRequest({
    method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/',
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...options.headers },
    body: text,
  }), { unsignableHeaders: new Set(options.unsigned ?? []) });
  return { url: `${registry().url}/`, headers: signed.headers as Record<string, string>, body: text };
}

async function refusal(response: Response): Promise<{ status: number; __type: string; message: string }> {
  return { status: response.status, ...((await response.json()) as { __type: string; message: string }) };
}

async function repositoryNames(): Promise<string[]> {
  const response = await send(await signedManagementRequest(registry(), DESCRIBE, {}));
  return ((await response.json()) as { repositories: { repositoryName: string }[] }).repositories.map((repository) => repository.repositoryName);
}

describe('SigV4 verification', () => {
  it('accepts a request signed with the administrator key for the service ecr', async () => {
    const response = await send(await signedManagementRequest(registry(), DESCRIBE, {}));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ repositories: expect.any(Array) });
  });

  it('refuses an unsigned request with MissingAuthenticationTokenException', async () => {
    const response = await fetch(`${registry().url}/`, {
      method: 'POST', headers: { 'x-amz-target': DESCRIBE, 'content-type': 'application/x-amz-json-1.1' }, body: '{}',
    });
    expect(response.status).toBe(403);
    expect(await errorType(response)).toBe('MissingAuthenticationTokenException');
  });

  it('refuses a forged signature (right key ID, wrong secret)', async () => {
    const forged = await signedManagementRequest(registry(), DESCRIBE, {}, {
      credentials: { accessKeyId: registry().adminKey.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    const response = await send(forged);
    expect(response.status).toBe(403);
    expect(await errorType(response)).toBe('InvalidSignatureException');
  });

  it('refuses an unknown access key with UnrecognizedClientException', async () => {
    const response = await send(await signedManagementRequest(registry(), DESCRIBE, {}, {
      credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' },
    }));
    expect(await errorType(response)).toBe('UnrecognizedClientException');
  });

  it('refuses an expired signature', async () => {
    const old = await signedManagementRequest(registry(), DESCRIBE, {}, { signingDate: new Date(Date.now() - 10 * 60 * 1000) });
    const response = await send(old);
    expect(response.status).toBe(403);
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.__type).toBe('InvalidSignatureException');
    expect(body.message).toContain('Signature expired');
  });

  it('refuses a replay with an altered body', async () => {
    const original = await signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}CreateRepository`, { repositoryName: 'sig/original' });
    const replayed = { ...original, body: JSON.stringify({ repositoryName: 'sig/injected' }) };
    const response = await send(replayed);
    expect(response.status).toBe(403);
    expect(await errorType(response)).toBe('InvalidSignatureException');
    expect(await repositoryNames()).not.toContain('sig/injected');
  });

  it('refuses a replay with an altered target header', async () => {
    const original = await signedManagementRequest(registry(), DESCRIBE, {});
    const response = await send({ ...original, headers: { ...original.headers, 'x-amz-target': `${ECR_TARGET_PREFIX}DeleteRepository` } });
    expect(await errorType(response)).toBe('InvalidSignatureException');
  });

  it('refuses a signature that leaves out x-amz-target: a captured DescribeImages cannot be replayed as DeleteRepository', async () => {
    expect((await send(await signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}CreateRepository`, { repositoryName: 'sig/victim' }))).status).toBe(200);
    const captured = await signedLeaving(`${ECR_TARGET_PREFIX}DescribeImages`, { repositoryName: 'sig/victim' }, { unsigned: ['x-amz-target'] });
    expect(captured.headers.authorization).not.toContain('x-amz-target');
    const replayed = await send({ ...captured, headers: { ...captured.headers, 'x-amz-target': `${ECR_TARGET_PREFIX}DeleteRepository` } });
    expect(await refusal(replayed)).toEqual({
      status: 403, __type: 'InvalidSignatureException', message: "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.",
    });
    expect(await errorType(await send(captured))).toBe('InvalidSignatureException');
    expect(await repositoryNames()).toContain('sig/victim');
  });

  it('refuses a signature that leaves out the host', async () => {
    const response = await send(await signedLeaving(DESCRIBE, {}, { unsigned: ['host'] }));
    expect(await refusal(response)).toEqual({
      status: 403, __type: 'InvalidSignatureException', message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    });
  });

  it('refuses UNSIGNED-PAYLOAD, which would let a replay change the body', async () => {
    const create = `${ECR_TARGET_PREFIX}CreateRepository`;
    const captured = await signedLeaving(create, { repositoryName: 'sig/unsigned' }, { headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    for (const request of [captured, { ...captured, body: JSON.stringify({ repositoryName: 'sig/swapped' }) }]) {
      const response = await send(request);
      expect(await refusal(response)).toMatchObject({ status: 403, __type: 'InvalidSignatureException', message: expect.stringContaining('UNSIGNED-PAYLOAD') });
    }
    expect(await repositoryNames()).not.toEqual(expect.arrayContaining(['sig/unsigned']));
    expect(await repositoryNames()).not.toEqual(expect.arrayContaining(['sig/swapped']));
  });

  it('accepts a signed x-amz-content-sha256 that is the body\'s hash', async () => {
    const body = { repositoryName: 'sig/hashed' };
    const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const response = await send(await signedLeaving(`${ECR_TARGET_PREFIX}CreateRepository`, body, { headers: { 'x-amz-content-sha256': hash } }));
    expect(response.status).toBe(200);
    expect(await repositoryNames()).toContain('sig/hashed');
  });

  it('refuses a signature scoped to another region', async () => {
    const response = await send(await signedManagementRequest(registry(), DESCRIBE, {}, { region: 'eu-west-1' }));
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.__type).toBe('InvalidSignatureException');
    expect(body.message).toContain('eu-west-1');
  });

  it('refuses a body that does not match its x-amz-content-sha256 header', async () => {
    const signed = await signedManagementRequest(registry(), DESCRIBE, {});
    const response = await send({ ...signed, headers: { ...signed.headers, 'x-amz-content-sha256': 'ab'.repeat(32) } });
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.__type).toBe('InvalidSignatureException');
    expect(body.message).toContain('x-amz-content-sha256');
  });

  it('refuses an Authorization header that is no SigV4 signature, and a request without X-Amz-Date', async () => {
    const signed = await signedManagementRequest(registry(), DESCRIBE, {});
    const bearer = await send({ ...signed, headers: { ...signed.headers, authorization: 'Bearer token' } });
    expect(await errorType(bearer)).toBe('InvalidSignatureException');
    const { 'x-amz-date': _date, ...undated } = signed.headers;
    const response = await send({ ...signed, headers: undated });
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.__type).toBe('InvalidSignatureException');
    expect(body.message).toContain('X-Amz-Date');
  });

  it('refuses a signature scoped to another service', async () => {
    const response = await send(await signedManagementRequest(registry(), DESCRIBE, {}, { service: 's3' }));
    expect(await errorType(response)).toBe('InvalidSignatureException');
  });
});

describe('the protocol envelope', () => {
  it('answers UnknownOperationException for unknown targets, including inherited property names', async () => {
    for (const target of [`${ECR_TARGET_PREFIX}NoSuchAction`, `${ECR_TARGET_PREFIX}constructor`, 'Other.Action']) {
      const response = await send(await signedManagementRequest(registry(), target, {}));
      expect(response.status).toBe(400);
      expect(await errorType(response)).toBe('UnknownOperationException');
    }
  });

  it('answers SerializationException for a body that is not a JSON object', async () => {
    const signedBadBody = await signedManagementRequest(registry(), DESCRIBE, []);
    const response = await send(signedBadBody);
    expect(await errorType(response)).toBe('SerializationException');
  });
});
