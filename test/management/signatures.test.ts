import { describe, expect, it } from 'vitest';
import { ECR_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { useRegistry } from '../support/registry.js';
import { errorType, send, signedManagementRequest } from '../support/signed.js';

const registry = useRegistry();
const DESCRIBE = `${ECR_TARGET_PREFIX}DescribeRepositories`;

describe('SigV4 verification', () => {
  it('accepts a request signed with the administrator key for the service ecr', async () => {
    const response = await send(await signedManagementRequest(registry(), DESCRIBE, {}));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ repositories: [] });
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
    const check = await send(await signedManagementRequest(registry(), DESCRIBE, {}));
    expect(((await check.json()) as { repositories: unknown[] }).repositories).toEqual([]);
  });

  it('refuses a replay with an altered target header', async () => {
    const original = await signedManagementRequest(registry(), DESCRIBE, {});
    const response = await send({ ...original, headers: { ...original.headers, 'x-amz-target': `${ECR_TARGET_PREFIX}DeleteRepository` } });
    expect(await errorType(response)).toBe('InvalidSignatureException');
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
    const request = await signedManagementRequest(registry(), DESCRIBE, {});
    const signedBadBody = await signedManagementRequest(registry(), DESCRIBE, []);
    expect(request.body).toBe('{}');
    const response = await send(signedBadBody);
    expect(await errorType(response)).toBe('SerializationException');
  });
});
