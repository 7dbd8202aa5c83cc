import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RegistryTokens } from '../../lambdas/auth/registry-tokens.js';
import { AccessKeys } from '../../lambdas/management/auth/access-keys.js';
import { BERTH_TARGET_PREFIX, ECR_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { AccessControl } from '../../lambdas/registry/access-control.js';
import { RegistryError } from '../../lambdas/registry/errors.js';
import { Sealer } from '../../lambdas/shared/crypto/sealer.js';
import { freshStores } from '../support/backends.js';
import { RegistryClient, errorCodes } from '../support/client.js';
import { ociImage } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { loginPassword, send, signedManagementRequest } from '../support/signed.js';

const registry = useRegistry();

interface Key { accessKeyId: string; secretAccessKey: string }

async function createKey(principalName: string, policy?: unknown): Promise<Key> {
  const response = await send(await signedManagementRequest(registry(), `${BERTH_TARGET_PREFIX}CreateAccessKey`, {
    principalName, ...(policy === undefined ? {} : { policyText: JSON.stringify(policy) }),
  }));
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { accessKey: Key }).accessKey;
}

async function deleteKey(key: Key): Promise<void> {
  const response = await send(await signedManagementRequest(registry(), `${BERTH_TARGET_PREFIX}DeleteAccessKey`, { accessKeyId: key.accessKeyId }));
  expect(response.status).toBe(200);
}

/** What `aws ecr get-login-password` hands docker login when run with the key: the Basic header docker then sends. */
async function basicHeaderOf(key: Key): Promise<string> {
  const response = await send(await signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}GetAuthorizationToken`, {}, { credentials: key }));
  expect(response.status, await response.clone().text()).toBe(200);
  const data = ((await response.json()) as { authorizationData: { authorizationToken: string }[] }).authorizationData[0]!;
  return `Basic ${data.authorizationToken}`;
}

function payloadOf(basicHeader: string): Record<string, unknown> {
  const token = Buffer.from(basicHeader.slice('Basic '.length), 'base64').toString().slice('AWS:'.length);
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

const withHeader = (header: string) => new RegistryClient(registry().url, async () => header);

async function expectChallenge(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe(`Basic realm="${registry().url}",service="berth"`);
  expect(await errorCodes(response)).toEqual(['UNAUTHORIZED']);
}

describe('registry tokens of issued access keys', () => {
  it('name the key, and are refused with the Basic challenge once the key is deleted', async () => {
    const image = ociImage();
    await clientOf(registry()).pushImage('revoked/app', 'v1', image);
    const key = await createKey('soon-gone');
    const header = await basicHeaderOf(key);
    const client = withHeader(header);
    expect((await client.request('GET', '/v2/revoked/app/manifests/v1')).status).toBe(200);

    await deleteKey(key);
    await expectChallenge(await client.request('GET', '/v2/revoked/app/manifests/v1'));
    await expectChallenge(await client.request('GET', '/v2/'));
    await expectChallenge(await client.request('DELETE', `/v2/revoked/app/manifests/${image.manifest.digest}`));
    expect((await clientOf(registry()).request('GET', '/v2/revoked/app/manifests/v1')).status).toBe(200);
    expect(payloadOf(header)).toMatchObject({ key: key.accessKeyId });
  });

  it('leave tokens obtained without an issued key alone: the token routes and the local administrator', async () => {
    const password = await loginPassword(registry());
    const header = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;
    expect(payloadOf(header)).not.toHaveProperty('key');
    await deleteKey(await createKey('unrelated'));
    expect((await withHeader(header).request('GET', '/v2/')).status).toBe(200);
  });

  it('stay small with a 6 KB key policy, and apply that policy', async () => {
    const arn = (name: string) => `arn:aws:ecr:${registry().identity.region}:${registry().identity.accountId}:repository/${name}`;
    const padding = Array.from({ length: 41 }, (_, i) => ({
      Sid: `ReadOnly${i}`, Effect: 'Allow', Action: ['ecr:BatchGetImage'], Resource: arn(`team-${String(i).padStart(3, '0')}/service`),
    }));
    const policy = { Version: '2012-10-17', Statement: [{ Sid: 'Team', Effect: 'Allow', Action: 'ecr:*', Resource: arn('big-policy/*') }, ...padding] };
    expect(JSON.stringify(policy).length).toBeGreaterThan(6000);
    expect(JSON.stringify(policy).length).toBeLessThanOrEqual(6144);
    const key = await createKey('big-policy', policy);
    const image = ociImage();
    await clientOf(registry()).pushImage('big-policy/app', 'v1', image);
    await clientOf(registry()).pushImage('elsewhere/app', 'v1', image);

    const header = await basicHeaderOf(key);
    // HTTP API refuses a request whose request line and headers exceed 10 KB.
    expect(Buffer.byteLength(header)).toBeLessThan(2048);
    const client = withHeader(header);
    expect((await client.request('GET', '/v2/big-policy/app/manifests/v1')).status).toBe(200);
    expect((await client.request('POST', '/v2/big-policy/app/blobs/uploads/')).status).toBe(202);
    const refused = await client.request('GET', '/v2/elsewhere/app/manifests/v1');
    expect(refused.status).toBe(403);
    expect(await errorCodes(refused)).toEqual(['DENIED']);
    expect((await client.request('POST', '/v2/team-007/service/blobs/uploads/')).status).toBe(403);
  });
});

describe('a deleted key\'s tokens, on a function instance that caches key lookups', () => {
  const ACCOUNT = '000000000000';
  const CACHE_SECONDS = 15;

  it('are refused once the stated bound has passed since the key was last looked up', async () => {
    const { store, accessKeys: keyStore } = await freshStores();
    let now = new Date('2030-01-01T00:00:00Z');
    const clock = () => now;
    const signingKey = { kid: 'k', secret: randomBytes(32) };
    const tokens = new RegistryTokens(async () => ({ current: signingKey, previous: [] }), 'registry', clock);
    const access = new AccessControl({
      tokens, accountId: ACCOUNT, region: 'us-east-1', realm: 'http://registry', policyCacheSeconds: 0,
      accessKeyCacheSeconds: CACHE_SECONDS, policyCacheEntries: 1000,
    }, { repositories: store, accessKeys: keyStore }, clock);
    const key = await new AccessKeys(keyStore, new Sealer(randomBytes(32)), { accountId: ACCOUNT, region: 'us-east-1' }, clock).create('cached', undefined);
    const { token } = await tokens.issue({ principalArn: `arn:aws:iam::${ACCOUNT}:user/berth/cached`, accountId: ACCOUNT, actions: ['ecr:BatchGetImage'], accessKeyId: key.accessKeyId }, 3600);
    const request = { method: 'GET', path: '/v2/', query: new URLSearchParams(), headers: { authorization: `Bearer ${token}` }, body: Buffer.alloc(0) };

    await expect(access.authenticate(request)).resolves.toMatchObject({ caller: { kind: 'principal' } });
    await keyStore.deleteAccessKey(key.accessKeyId);
    now = new Date(now.getTime() + (CACHE_SECONDS - 1) * 1000);
    await expect(access.authenticate(request)).resolves.toMatchObject({ caller: { kind: 'principal' } });
    now = new Date(now.getTime() + 1000);
    const refused = await access.authenticate(request).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RegistryError);
    expect(refused).toMatchObject({ kind: 'UNAUTHORIZED', headers: { 'www-authenticate': 'Basic realm="http://registry",service="berth"' } });
  });
});
