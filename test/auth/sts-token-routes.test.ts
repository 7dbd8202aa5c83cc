import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presignCallerIdentity } from '../../cli/aws-identity.js';
import { LOCAL_ACCOUNT_ID } from '../../local/emulators/local-aws.js';
import type { RunningRegistry } from '../../local/berth-server.js';
import { basic } from '../support/berth-bins.js';
import { errorCodes, RegistryClient } from '../support/client.js';
import { ociImage } from '../support/oci.js';
import { clientOf, startTestRegistry, useRegistry } from '../support/registry.js';
import { errorType, send, signedManagementRequest } from '../support/signed.js';
import { startFakeSts, type FakePrincipal, type FakeSts } from './sts-fake.js';

/**
 * The STS token routes, which serve principals of other accounts: the
 * management function verifies the caller's presigned GetCallerIdentity with
 * STS (a fake one here) and issues a token whose use repository policies decide.
 */

const other: FakePrincipal = {
  accessKeyId: 'AKIAOTHERACCOUNT0002',
  secretAccessKey: 'other-account-secret-key-1111111111111111',
  arn: 'arn:aws:sts::222233334444:assumed-role/ci-puller/build-18',
  accountId: '222233334444',
};
const sameAccount: FakePrincipal = {
  accessKeyId: 'AKIASAMEACCOUNT00001',
  secretAccessKey: 'same-account-secret-key-2222222222222222',
  arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/dev`,
  accountId: LOCAL_ACCOUNT_ID,
};

let sts: FakeSts;
let registry: RunningRegistry;
beforeAll(async () => {
  sts = await startFakeSts([other, sameAccount]);
  registry = await startTestRegistry({}, { uploadGateway: false, sts: { endpoint: sts.url, maxAgeSeconds: 120 } });
});
afterAll(async () => {
  await registry?.stop();
  await sts?.stop();
});

async function proof(principal: FakePrincipal, now?: Date): Promise<string> {
  return presignCallerIdentity({
    credentials: principal,
    region: sts.region,
    stsEndpoint: sts.url,
    registryHost: new URL(registry.url).host,
    ...(now ? { now } : {}),
  });
}

function tokenRoute(body: string, path = '/sts/token', url = registry.url): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1' }, body });
}

async function passwordOf(response: Response): Promise<string> {
  expect(response.status).toBe(200);
  const { authorizationData } = (await response.json()) as { authorizationData: { authorizationToken: string; proxyEndpoint: string }[] };
  expect(authorizationData[0]!.proxyEndpoint).toBe(registry.url);
  return Buffer.from(authorizationData[0]!.authorizationToken, 'base64').toString('utf8').replace(/^AWS:/, '');
}

async function refusal(response: Response): Promise<{ status: number; type: string; message: string }> {
  const body = (await response.json()) as { __type: string; message: string };
  return { status: response.status, type: body.__type, message: body.message };
}

const shared = (actions: string[]) => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'OtherAccount', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222233334444:root' }, Action: actions }],
});

async function setPolicy(repository: string, actions: string[]): Promise<void> {
  const response = await send(await signedManagementRequest(registry, 'AmazonEC2ContainerRegistry_V20150921.SetRepositoryPolicy', { repositoryName: repository, policyText: shared(actions) }));
  expect(response.status, await response.clone().text()).toBe(200);
}

describe('a principal of another account', () => {
  it('pulls what a repository policy grants its account, and may not push, list the catalog or manage', async () => {
    const image = ociImage();
    await clientOf(registry).pushImage('shared/app', 'v1', image);
    await clientOf(registry).pushImage('private/app', 'v1', ociImage());
    await setPolicy('shared/app', ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability']);

    const password = await passwordOf(await tokenRoute(JSON.stringify({ getCallerIdentityUrl: await proof(other) })));
    const client = new RegistryClient(registry.url, async () => basic('AWS', password));
    expect((await client.request('GET', '/v2/')).status).toBe(200);
    const manifest = await client.request('GET', '/v2/shared/app/manifests/v1', { headers: { accept: image.manifest.mediaType } });
    expect(manifest.status).toBe(200);
    expect(Buffer.from(await manifest.arrayBuffer())).toEqual(image.manifest.bytes);
    expect(await client.downloadBlob('shared/app', image.layers[0]!.digest)).toEqual(image.layers[0]!.bytes);

    const denied = await client.request('GET', '/v2/private/app/manifests/v1');
    expect(denied.status).toBe(403);
    expect(await errorCodes(denied)).toEqual(['DENIED']);
    const push = await client.request('POST', '/v2/shared/app/blobs/uploads/');
    expect(push.status).toBe(403);
    expect(await errorCodes(push)).toEqual(['DENIED']);
    const catalog = await client.request('GET', '/v2/_catalog');
    expect(catalog.status).toBe(403);
    expect(await errorCodes(catalog)).toEqual(['DENIED']);
    // Its token is no management credential, and its key signs nothing the management API takes.
    const manage = await fetch(`${registry.url}/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${password}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DeleteRepository' },
      body: JSON.stringify({ repositoryName: 'shared/app', force: true }),
    });
    expect(manage.status).toBe(403);
    const signed = await send(await signedManagementRequest(registry, 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories', {}, { credentials: other }));
    expect(signed.status).toBe(403);
    expect(await errorType(signed)).toBe('UnrecognizedClientException');
    expect((await clientOf(registry).request('GET', '/v2/shared/app/manifests/v1')).status).toBe(200);
  });

  it('gets a token for pulling alone from the pull-only route, even where the policy grants pushing', async () => {
    await clientOf(registry).pushImage('shared/pushable', 'v1', ociImage());
    await setPolicy('shared/pushable', ['ecr:*']);
    const full = new RegistryClient(registry.url, async () => basic('AWS', password));
    const password = await passwordOf(await tokenRoute(JSON.stringify({ getCallerIdentityUrl: await proof(other) })));
    expect((await full.request('POST', '/v2/shared/pushable/blobs/uploads/')).status).toBe(202);

    const pullOnly = await passwordOf(await tokenRoute(JSON.stringify({ getCallerIdentityUrl: await proof(other) }), '/sts/token/pull'));
    const puller = new RegistryClient(registry.url, async () => basic('AWS', pullOnly));
    expect((await puller.request('GET', '/v2/shared/pushable/manifests/v1')).status).toBe(200);
    const push = await puller.request('POST', '/v2/shared/pushable/blobs/uploads/');
    expect(push.status).toBe(403);
    expect(await errorCodes(push)).toEqual(['DENIED']);
  });
});

describe('the STS token routes refuse', () => {
  it('a principal of the registry\'s own account, whose IAM policies decide on the IAM token routes', async () => {
    const response = await tokenRoute(JSON.stringify({ getCallerIdentityUrl: await proof(sameAccount) }));
    expect(await refusal(response)).toEqual({
      status: 403,
      type: 'AccessDeniedException',
      message: `${sameAccount.arn} is of the registry's account ${LOCAL_ACCOUNT_ID}, whose principals get tokens from the IAM token routes, where their IAM policies apply`,
    });
  });

  it('an expired request, one for another registry, and one with a tampered signature, in ECR\'s error shape', async () => {
    const expired = await refusal(await tokenRoute(JSON.stringify({ getCallerIdentityUrl: await proof(other, new Date(Date.now() - 121_000)) })));
    expect(expired).toMatchObject({ status: 403, type: 'UnrecognizedClientException' });
    expect(expired.message).toMatch(/more than 120 seconds ago; sign a new one$/);

    const elsewhere = await presignCallerIdentity({ credentials: other, region: sts.region, stsEndpoint: sts.url, registryHost: 'registry.example.com' });
    expect(await refusal(await tokenRoute(JSON.stringify({ getCallerIdentityUrl: elsewhere })))).toEqual({
      status: 403,
      type: 'UnrecognizedClientException',
      message: 'STS refused the caller identity request: SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.',
    });

    const tampered = new URL(await proof(other));
    tampered.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    expect(await refusal(await tokenRoute(JSON.stringify({ getCallerIdentityUrl: tampered.toString() })))).toMatchObject({ status: 403, type: 'UnrecognizedClientException' });
  });

  it('a body without the request, or not JSON', async () => {
    expect(await refusal(await tokenRoute(''))).toEqual({
      status: 403,
      type: 'MissingAuthenticationTokenException',
      message: 'send {"getCallerIdentityUrl": "<a presigned sts:GetCallerIdentity URL>"}, as `berth login` does',
    });
    expect(await refusal(await tokenRoute('{', '/sts/token/pull'))).toEqual({ status: 400, type: 'SerializationException', message: 'the request body is not valid JSON' });
  });

  it('everyone with a server error that names nothing of STS\'s, when STS fails', async () => {
    sts.failWith({ status: 503, type: 'Receiver', code: 'ServiceUnavailable', message: 'sts internal detail' });
    try {
      const response = await tokenRoute(JSON.stringify({ getCallerIdentityUrl: await proof(other) }));
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ __type: 'ServerException' });
      expect(text).not.toContain('sts internal detail');
      expect(text).not.toContain(sts.url);
    } finally {
      sts.failWith(undefined);
    }
  });
});

describe('a registry without an STS endpoint', () => {
  const plain = useRegistry({}, { uploadGateway: false });

  it('answers the STS token routes that it verifies no identities that way', async () => {
    const response = await tokenRoute(JSON.stringify({ getCallerIdentityUrl: await proof(other) }), '/sts/token', plain().url);
    expect(await refusal(response)).toEqual({
      status: 400,
      type: 'UnknownOperationException',
      message: 'this registry verifies no AWS identities through STS (BERTH_STS_ENDPOINT is not set); sign in through the IAM token routes',
    });
  });
});
