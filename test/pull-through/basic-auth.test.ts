import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { CreatePullThroughCacheRuleCommand, ValidatePullThroughCacheRuleCommand } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ecrClient } from '../support/aws-cli.js';
import { distributionTool, seedDistribution, startDistribution, type Distribution } from '../support/distribution.js';
import { imageBlobs, ociImage } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { describeWith } from '../support/tools.js';
import { pullWithSkopeo, skopeo } from './support.js';

/** Pulls through rules whose upstream (distribution 2.8) admits one user by Basic auth, signed in with the rule's secret. */

const USER = 'mirror-bot';
const PASSWORD = 'upstream-password';

const secretsDir = mkdtempSync(join(tmpdir(), 'berth-secrets-'));
mkdirSync(join(secretsDir, 'ecr-pullthroughcache'));
writeFileSync(join(secretsDir, 'ecr-pullthroughcache', 'upstream'), JSON.stringify({ username: USER, accessToken: PASSWORD }));
writeFileSync(join(secretsDir, 'ecr-pullthroughcache', 'stale'), JSON.stringify({ username: USER, accessToken: 'an-old-password' }));

const registry = useRegistry({}, { pullThrough: { secretsDir } });

function secretArn(name: string): string {
  return `arn:aws:secretsmanager:${registry().identity.region}:${registry().identity.accountId}:secret:ecr-pullthroughcache/${name}`;
}

type OciErrors = { errors: { code: string; message: string }[] };

describeWith([distributionTool, skopeo], 'pull-through cache of a distribution registry with Basic auth', () => {
  let upstream: Distribution;
  const image = ociImage({ layerSizes: [120_000, 3000] });

  beforeAll(async () => {
    // distribution reads bcrypt hashes only.
    upstream = await startDistribution({ username: USER, password: PASSWORD, htpasswd: `${USER}:${bcrypt.hashSync(PASSWORD, 10)}` });
    await seedDistribution(upstream, 'team/app', imageBlobs(image), [{ reference: 'v1', manifest: image.manifest }]);
    const ecr = ecrClient(registry());
    await ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'private', upstreamRegistryUrl: upstream.url, credentialArn: secretArn('upstream') }));
  });
  afterAll(async () => {
    await registry().pullThroughSettled();
    await upstream?.stop();
    rmSync(secretsDir, { recursive: true, force: true });
  });

  it('signs in with the rule\'s secret: the first pull has the upstream\'s digest, and the image stays pullable after the upstream stops', async () => {
    const pulled = await pullWithSkopeo(registry(), 'private/team/app:v1');
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.digest).toBe(image.manifest.digest);
    await registry().pullThroughSettled();
    const valid = await ecrClient(registry()).send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'private' }));
    expect(valid.isValid).toBe(true);

    await upstream.stop();
    const again = await pullWithSkopeo(registry(), 'private/team/app:v1');
    expect(again.code, again.stderr).toBe(0);
    expect(again.digest).toBe(image.manifest.digest);
  });

  it('answers DENIED, as ECR words it, when the upstream refuses the rule\'s credentials or wants some; ValidatePullThroughCacheRule says why', async () => {
    // The first test stopped the upstream; another one with the same user and image.
    const restarted = await startDistribution({ username: USER, password: PASSWORD, htpasswd: `${USER}:${bcrypt.hashSync(PASSWORD, 10)}` });
    try {
      await seedDistribution(restarted, 'team/app', imageBlobs(image), [{ reference: 'v1', manifest: image.manifest }]);
      const ecr = ecrClient(registry());
      for (const prefix of ['stale', 'anonymous']) {
        await ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: prefix, upstreamRegistryUrl: restarted.url, ...(prefix === 'stale' ? { credentialArn: secretArn('stale') } : {}) }));
        const response = await clientOf(registry()).request('GET', `/v2/${prefix}/team/app/manifests/v1`);
        expect(response.status).toBe(403);
        const { errors } = (await response.json()) as OciErrors;
        expect(errors[0]!.code).toBe('DENIED');
        expect(errors[0]!.message).toContain('The authentication to the upstream registry failed. Verify that the credentials provided in the pull through cache rule are correct');
        const validated = await ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: prefix }));
        expect(validated.isValid).toBe(false);
        expect(validated.failure).toMatch(prefix === 'stale' ? /refused/ : /needs credentials/);
      }
    } finally {
      await restarted.stop();
    }
  });
});
