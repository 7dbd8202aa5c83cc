import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRegistry } from '../../local/berth-server.js';
import { basic, clientEnv, freshHome, runBerthBundle, runHelper, useBerthBins } from '../support/berth-bins.js';
import { errorCodes, RegistryClient } from '../support/client.js';
import { ociImage } from '../support/oci.js';
import { clientOf, startTestRegistry } from '../support/registry.js';
import { errorType, send, signedManagementRequest } from '../support/signed.js';
import { startFakeSts, type FakePrincipal, type FakeSts } from './sts-fake.js';

/**
 * End to end: a principal of another account, with nothing but its own AWS
 * keys, runs `berth login` and `berth get-login-password` from the bundle; the
 * IAM token route refuses it, the CLI proves its identity through the STS token
 * route (STS being a fake on this machine, named by AWS_ENDPOINT_URL_STS), and
 * docker's credential helper hands out tokens that pull what the repository
 * policy grants and nothing more.
 */

const other: FakePrincipal = {
  accessKeyId: 'AKIAOTHERACCOUNT0003',
  secretAccessKey: 'other-account-secret-key-3333333333333333',
  arn: 'arn:aws:iam::444455556666:user/release-bot',
  accountId: '444455556666',
};

const bins = useBerthBins();
let sts: FakeSts;
let registry: RunningRegistry;
beforeAll(async () => {
  sts = await startFakeSts([other]);
  registry = await startTestRegistry({}, { uploadGateway: false, sts: { endpoint: sts.url, maxAgeSeconds: 300 } });
});
afterAll(async () => {
  await registry?.stop();
  await sts?.stop();
});

function otherAccountEnv(home = freshHome(bins())): NodeJS.ProcessEnv {
  return clientEnv(bins(), home, { credentials: other, extra: { AWS_ENDPOINT_URL_STS: sts.url } });
}

describe('another account\'s principal, through the CLI', () => {
  it('logs in, and the credential helper\'s tokens pull what the repository policy grants; push, catalog and management are refused', async () => {
    const image = ociImage();
    await clientOf(registry).pushImage('team/shared', 'v1', image);
    const policy = await send(await signedManagementRequest(registry, 'AmazonEC2ContainerRegistry_V20150921.SetRepositoryPolicy', {
      repositoryName: 'team/shared',
      policyText: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: other.arn }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }],
      }),
    }));
    expect(policy.status).toBe(200);

    const env = otherAccountEnv();
    const login = await runBerthBundle(bins(), ['login', '--registry', registry.url], env);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('Login Succeeded');
    expect(sts.received.length).toBeGreaterThan(0);

    const got = await runHelper(bins(), 'get', env, new URL(registry.url).host);
    expect(got.code, got.stderr).toBe(0);
    const { Username, Secret } = JSON.parse(got.stdout) as { Username: string; Secret: string };
    const client = new RegistryClient(registry.url, async () => basic(Username, Secret));
    const manifest = await client.request('GET', '/v2/team/shared/manifests/v1', { headers: { accept: image.manifest.mediaType } });
    expect(manifest.status).toBe(200);
    expect(await client.downloadBlob('team/shared', image.config.digest)).toEqual(image.config.bytes);

    for (const [method, path] of [['POST', '/v2/team/shared/blobs/uploads/'], ['GET', '/v2/_catalog'], ['DELETE', `/v2/team/shared/manifests/${image.manifest.digest}`]] as const) {
      const refused = await client.request(method, path);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(await errorCodes(refused)).toEqual(['DENIED']);
    }
    const manage = await runBerthBundle(bins(), ['repository', 'create', 'team/mine', '--registry', registry.url], env);
    expect(manage.code).toBe(1);
    expect(manage.stderr).toMatch(/^berth: UnrecognizedClientException: /);
    const described = await send(await signedManagementRequest(registry, 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories', {}, { credentials: other }));
    expect(await errorType(described)).toBe('UnrecognizedClientException');
  });

  it('prints a password with get-login-password, and says why when STS refuses the identity', async () => {
    const printed = await runBerthBundle(bins(), ['get-login-password', '--pull-only', '--registry', registry.url], otherAccountEnv());
    expect(printed.code, printed.stderr).toBe(0);
    const client = new RegistryClient(registry.url, async () => basic('AWS', printed.stdout.trim()));
    expect((await client.request('GET', '/v2/')).status).toBe(200);

    const wrongKey = clientEnv(bins(), freshHome(bins()), {
      credentials: { accessKeyId: other.accessKeyId, secretAccessKey: 'not-the-secret-000000000000000000000000' },
      extra: { AWS_ENDPOINT_URL_STS: sts.url },
    });
    const refused = await runBerthBundle(bins(), ['get-login-password', '--registry', registry.url], wrongKey);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.split('\n')[0]).toBe('berth: UnrecognizedClientException: STS refused the caller identity request: SignatureDoesNotMatch: '
      + 'The request signature we calculated does not match the signature you provided. (the IAM token route refused first: The security token included in the request is invalid.)');
  });
});
