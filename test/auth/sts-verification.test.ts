import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { presignCallerIdentity } from '../../cli/aws-identity.js';
import { StsIdentityRefused, StsUnavailable, stsIdentityVerifier } from '../../lambdas/auth/sts-identity.js';
import { startFakeSts, type FakePrincipal, type FakeSts } from './sts-fake.js';

/**
 * Identities of any account, verified by sending the caller's presigned
 * GetCallerIdentity to STS: here a fake STS on this machine that checks
 * signatures and answers in STS's XML, as the real one does.
 */

const REGISTRY_HOST = 'registry.example.com';
const puller: FakePrincipal = {
  accessKeyId: 'AKIAOTHERACCOUNT0001',
  secretAccessKey: 'other-account-secret-key-0000000000000000',
  arn: 'arn:aws:sts::222233334444:assumed-role/ci-puller/build-17',
  accountId: '222233334444',
};

let sts: FakeSts;
beforeAll(async () => {
  sts = await startFakeSts([puller]);
});
afterAll(async () => {
  await sts.stop();
});
beforeEach(() => {
  sts.received.length = 0;
  sts.failWith(undefined);
});

const verify = (now = () => new Date()) => stsIdentityVerifier({ endpoint: sts.url, region: sts.region, registryHost: REGISTRY_HOST, maxAgeSeconds: 300, now });

function proof(options: { registryHost?: string; now?: Date; region?: string; endpoint?: string; key?: FakePrincipal } = {}): Promise<string> {
  const key = options.key ?? puller;
  return presignCallerIdentity({
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    region: options.region ?? sts.region,
    stsEndpoint: options.endpoint ?? sts.url,
    registryHost: options.registryHost ?? REGISTRY_HOST,
    ...(options.now ? { now: options.now } : {}),
  });
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught as Error);
  if (!error) throw new Error('the request was verified');
  return error;
}

describe('verifying a presigned GetCallerIdentity', () => {
  it('names the caller STS names, after sending STS the registry\'s host in the signed header', async () => {
    await expect(verify()(await proof())).resolves.toEqual({ arn: puller.arn, accountId: '222233334444' });
    expect(sts.received).toHaveLength(1);
    expect(sts.received[0]!.headers['x-berth-registry']).toBe(REGISTRY_HOST);
    expect(sts.received[0]!.query.get('Action')).toBe('GetCallerIdentity');
  });

  it('refuses a request made for another registry: STS finds the signature does not match the registry\'s host', async () => {
    const error = await refusal(verify()(await proof({ registryHost: 'other-registry.example.com' })));
    expect(error).toBeInstanceOf(StsIdentityRefused);
    expect(error.message).toBe('STS refused the caller identity request: SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.');
  });

  it('refuses a request older than the allowed age, or dated ahead of the clock, without asking STS', async () => {
    const old = await refusal(verify()(await proof({ now: new Date(Date.now() - 301_000) })));
    expect(old).toBeInstanceOf(StsIdentityRefused);
    expect(old.message).toMatch(/more than 300 seconds ago; sign a new one$/);
    const ahead = await refusal(verify()(await proof({ now: new Date(Date.now() + 600_000) })));
    expect(ahead.message).toMatch(/ahead of the registry's clock/);
    expect(sts.received).toEqual([]);
  });

  it('refuses a tampered signature, and a key STS does not know', async () => {
    const url = new URL(await proof());
    const signature = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`);
    expect((await refusal(verify()(url.toString()))).message).toMatch(/: SignatureDoesNotMatch: /);

    const stranger = { ...puller, accessKeyId: 'AKIAUNKNOWNKEY000001' };
    const unknown = await refusal(verify()(await proof({ key: stranger })));
    expect(unknown).toBeInstanceOf(StsIdentityRefused);
    expect(unknown.message).toBe('STS refused the caller identity request: InvalidClientTokenId: The security token included in the request is invalid.');
  });

  it('refuses requests for any host but its STS endpoint, another region, or another action, and sends none of them', async () => {
    const elsewhere = await refusal(verify()(await proof({ endpoint: 'https://attacker.example.com' })));
    expect(elsewhere.message).toBe(`the caller identity request is for https://attacker.example.com/; this registry verifies identities with ${sts.url}/ (region us-east-1): presign it for that endpoint`);
    const region = await refusal(verify()(await proof({ region: 'eu-west-1' })));
    expect(region.message).toBe('the caller identity request is signed for sts in eu-west-1; sign it for sts in us-east-1');

    const assumeRole = new URL(await proof());
    assumeRole.searchParams.set('Action', 'AssumeRole');
    expect((await refusal(verify()(assumeRole.toString()))).message).toBe('the caller identity request must have Action=GetCallerIdentity');
    const extra = new URL(await proof());
    extra.searchParams.set('RoleArn', 'arn:aws:iam::111122223333:role/admin');
    expect((await refusal(verify()(extra.toString()))).message).toBe('the caller identity request has a parameter it may not have, or more than once: RoleArn');
    expect((await refusal(verify()('not a url'))).message).toMatch(/is not a URL/);
    expect(sts.received).toEqual([]);
  });

  it('refuses a request that does not sign the binding header, which could be replayed to any registry', async () => {
    const url = new URL(await proof());
    url.searchParams.set('X-Amz-SignedHeaders', 'host');
    const error = await refusal(verify()(url.toString()));
    expect(error.message).toBe('the caller identity request must sign the headers host and x-berth-registry (the registry\'s host), which bind it to this registry');
    const unsigned = new URL(await proof());
    unsigned.searchParams.delete('X-Amz-Signature');
    expect((await refusal(verify()(unsigned.toString()))).message).toBe('the caller identity request is not presigned: X-Amz-Signature is missing');
  });

  it('takes a failure of STS, or an answer STS would not give, as unavailable rather than as the caller\'s fault', async () => {
    sts.failWith({ status: 500, type: 'Receiver', code: 'InternalFailure', message: 'internal detail' });
    expect(await refusal(verify()(await proof()))).toBeInstanceOf(StsUnavailable);
    sts.failWith({ status: 200, type: 'Sender', code: 'NotAnIdentity', message: 'a 200 without a GetCallerIdentityResult' });
    expect((await refusal(verify()(await proof())))).toBeInstanceOf(StsUnavailable);
    sts.failWith({ status: 400, type: 'Sender', code: 'Throttling', message: 'Rate exceeded' });
    expect((await refusal(verify()(await proof()))).message).toBe('STS refused the caller identity request: Throttling: Rate exceeded');
    await sts.stop();
    const unreachable = await refusal(verify()(await proof()));
    expect(unreachable).toBeInstanceOf(StsUnavailable);
    sts = await startFakeSts([puller]);
  });

  it('gives up on an STS that does not answer within its time, as unavailable', async () => {
    const silent = createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const verifier = stsIdentityVerifier({ endpoint, region: sts.region, registryHost: REGISTRY_HOST, maxAgeSeconds: 300, timeoutSeconds: 1, now: () => new Date() });
      const error = await refusal(verifier(await proof({ endpoint })));
      expect(error).toBeInstanceOf(StsUnavailable);
      expect(error.message).toBe(`${endpoint} did not answer within 1 s`);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
