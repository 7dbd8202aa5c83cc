import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { actionsFor } from '../../lambdas/auth/actions.js';
import { RegistryTokens } from '../../lambdas/auth/registry-tokens.js';
import { BERTH_TARGET_PREFIX, ECR_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { PULL_TOKEN_PATH } from '../../lambdas/shared/paths.js';
import { RegistryClient, errorCodes } from '../support/client.js';
import { ociImage, randomBlob } from '../support/oci.js';
import { administratorArn, basicAuth, clientOf, useRegistry } from '../support/registry.js';
import { loginPassword, send, signedManagementRequest } from '../support/signed.js';

/** The registry's signing key, so that a test can issue its tokens with a clock of its own. */
const tokenKey = { kid: randomUUID(), secret: randomBytes(32) };
const tokenKeys = async () => ({ current: tokenKey, previous: [] });
const registry = useRegistry({}, { tokenKeys });
const other = useRegistry();

const withHeader = (header: string | undefined) => new RegistryClient(registry().url, async () => header);
const basic = (password: string) => `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;

async function setPolicy(repository: string, statements: unknown[]): Promise<void> {
  const response = await send(await signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}SetRepositoryPolicy`, {
    repositoryName: repository, policyText: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
  }));
  expect(response.status, await response.clone().text()).toBe(200);
}

describe('authentication of /v2/', () => {
  it('challenges a request without credentials with 401 and a Basic challenge', async () => {
    const response = await withHeader(undefined).request('GET', '/v2/');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Basic realm="${registry().url}",service="berth"`);
    expect(await errorCodes(response)).toEqual(['UNAUTHORIZED']);
  });

  it('accepts the token as Basic AWS:<token> and as Bearer', async () => {
    const header = await basicAuth(registry());
    expect((await withHeader(header).request('GET', '/v2/')).status).toBe(200);
    const token = Buffer.from(header.slice('Basic '.length), 'base64').toString().slice('AWS:'.length);
    expect((await withHeader(`Bearer ${token}`).request('GET', '/v2/')).status).toBe(200);
  });

  it('refuses expired, tampered and foreign tokens with 401', async () => {
    // Issued an hour ago for a minute, with the registry's key.
    const anHourAgo = new RegistryTokens(tokenKeys, registry().identity.registryHost, () => new Date(Date.now() - 3600_000));
    const claims = { principalArn: administratorArn(registry()), accountId: registry().identity.accountId, actions: actionsFor(['pull']) };
    const { token: expired } = await anHourAgo.issue(claims, 60);
    const { token: current } = await new RegistryTokens(tokenKeys, registry().identity.registryHost, () => new Date()).issue(claims, 60);
    expect((await withHeader(basic(current)).request('GET', '/v2/')).status).toBe(200);
    const tampered = (await basicAuth(registry())).slice(0, -6) + 'AAAAAA';
    const foreign = await basicAuth(other());
    for (const header of [basic(expired), tampered, foreign, 'Basic bm90LWEtdG9rZW4=']) {
      const response = await withHeader(header).request('GET', '/v2/');
      expect(response.status, header).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Basic realm=');
    }
  });

  it('issues tokens at the token routes and through GetAuthorizationToken', async () => {
    const full = await loginPassword(registry());
    expect((await withHeader(basic(full)).request('GET', '/v2/')).status).toBe(200);
    const response = await send(await signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}GetAuthorizationToken`, {}));
    const data = ((await response.json()) as { authorizationData: { authorizationToken: string; expiresAt: number; proxyEndpoint: string }[] }).authorizationData[0]!;
    expect(data.proxyEndpoint).toBe(registry().url);
    expect(data.expiresAt * 1000 - Date.now()).toBeGreaterThan(11.9 * 3600 * 1000);
    const decoded = Buffer.from(data.authorizationToken, 'base64').toString();
    expect(decoded.startsWith('AWS:')).toBe(true);
    expect((await withHeader(basic(decoded.slice(4))).request('GET', '/v2/')).status).toBe(200);
  });
});

describe('authorization', () => {
  it('lets a pull-only token pull but not push', async () => {
    const image = ociImage();
    await clientOf(registry()).pushImage('auth/pull-only', 'v1', image);
    const pullOnly = withHeader(basic(await loginPassword(registry(), PULL_TOKEN_PATH)));
    expect((await pullOnly.request('GET', '/v2/auth/pull-only/manifests/v1')).status).toBe(200);
    const push = await pullOnly.request('POST', '/v2/auth/pull-only/blobs/uploads/');
    expect(push.status).toBe(403);
    expect(await errorCodes(push)).toEqual(['DENIED']);
    const remove = await pullOnly.request('DELETE', `/v2/auth/pull-only/manifests/${image.manifest.digest}`);
    expect(remove.status).toBe(403);
  });

  it('lets an explicit Deny in the repository policy win over an Allow', async () => {
    const image = ociImage();
    await clientOf(registry()).pushImage('auth/deny', 'v1', image);
    await setPolicy('auth/deny', [
      { Sid: 'everything', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'ecr:*' },
      { Sid: 'no-push', Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload'] },
    ]);
    const client = clientOf(registry());
    const push = await client.request('POST', '/v2/auth/deny/blobs/uploads/');
    expect(push.status).toBe(403);
    expect(await errorCodes(push)).toEqual(['DENIED']);
    expect((await client.request('GET', '/v2/auth/deny/manifests/v1')).status).toBe(200);
  });

  it('refuses principals of other accounts unless the repository policy allows them', async () => {
    const image = ociImage();
    await clientOf(registry()).pushImage('auth/cross-account', 'v1', image);
    // The token names the account its principal belongs to.
    const { token } = await registry().tokens.issue({ principalArn: 'arn:aws:iam::111122223333:user/stranger', accountId: '111122223333', actions: ['ecr:BatchGetImage'] }, 600);
    const outsider = withHeader(basic(token));
    expect((await outsider.request('GET', '/v2/auth/cross-account/manifests/v1')).status).toBe(403);
    await setPolicy('auth/cross-account', [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: ['ecr:BatchGetImage'] }]);
    expect((await outsider.request('GET', '/v2/auth/cross-account/manifests/v1')).status).toBe(200);
  });

  it('lists the catalog only for principals of the registry\'s account', async () => {
    const { token } = await registry().tokens.issue({ principalArn: 'arn:aws:iam::111122223333:user/stranger', accountId: '111122223333', actions: ['ecr:BatchGetImage'] }, 600);
    const response = await withHeader(basic(token)).request('GET', '/v2/_catalog');
    expect(response.status).toBe(403);
    expect(await errorCodes(response)).toEqual(['DENIED']);
    expect((await clientOf(registry()).request('GET', '/v2/_catalog')).status).toBe(200);
  });

  it('allows anonymous pulls only where the repository policy allows Principal "*"', async () => {
    const image = ociImage();
    await clientOf(registry()).pushImage('auth/public', 'v1', image);
    const anonymous = withHeader(undefined);
    const before = await anonymous.request('GET', '/v2/auth/public/manifests/v1');
    expect(before.status).toBe(401);
    expect(before.headers.get('www-authenticate')).toContain('Basic');
    await setPolicy('auth/public', [{ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }]);
    expect((await anonymous.request('GET', '/v2/auth/public/manifests/v1')).status).toBe(200);
    // What skopeo and podman send when they have no credentials: empty Basic credentials.
    expect((await withHeader(`Basic ${Buffer.from(':').toString('base64')}`).request('GET', '/v2/auth/public/manifests/v1')).status).toBe(200);
    expect((await anonymous.request('GET', `/v2/auth/public/blobs/${image.layers[0]!.digest}`)).status).toBe(307);
    expect((await anonymous.request('POST', '/v2/auth/public/blobs/uploads/')).status).toBe(401);
  });

  it('does not mount a blob from a repository the caller may not read', async () => {
    const secret = randomBlob(100);
    await clientOf(registry()).pushBlob('auth/secret-source', secret);
    await setPolicy('auth/secret-source', [{ Effect: 'Deny', Principal: '*', Action: 'ecr:BatchGetImage' }]);
    const client = clientOf(registry());
    const named = await client.request('POST', `/v2/auth/mount-target/blobs/uploads/?mount=${secret.digest}&from=auth/secret-source`);
    expect(named.status).toBe(202);
    const unnamed = await client.request('POST', `/v2/auth/mount-target/blobs/uploads/?mount=${secret.digest}`);
    expect(unnamed.status).toBe(202);
    expect((await client.request('HEAD', `/v2/auth/mount-target/blobs/${secret.digest}`)).status).toBe(404);
  });

  it('applies an issued access key\'s own policy to its registry tokens', async () => {
    const policyText = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: 'arn:aws:ecr:us-east-1:000000000000:repository/keyed/*' }] });
    const created = await send(await signedManagementRequest(registry(), `${BERTH_TARGET_PREFIX}CreateAccessKey`, { principalName: 'scoped', policyText }));
    const key = ((await created.json()) as { accessKey: { accessKeyId: string; secretAccessKey: string } }).accessKey;
    const tokenResponse = await send(await signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}GetAuthorizationToken`, {}, { credentials: key }));
    const data = ((await tokenResponse.json()) as { authorizationData: { authorizationToken: string }[] }).authorizationData[0]!;
    const scoped = withHeader(`Basic ${data.authorizationToken}`);
    expect((await scoped.request('POST', '/v2/keyed/app/blobs/uploads/')).status).toBe(202);
    const elsewhere = await scoped.request('POST', '/v2/other/app/blobs/uploads/');
    expect(elsewhere.status).toBe(403);
    expect(await errorCodes(elsewhere)).toEqual(['DENIED']);
  });
});
