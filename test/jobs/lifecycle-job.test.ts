import { describe, expect, it } from 'vitest';
import { ECR_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { EMPTY_CONFIG, artifact, ociImage, ociIndex, randomBlob } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';

/** A registry per test: a run applies every repository's policy, so no test may see another's repositories. */
const registries = { counts: useRegistry(), ages: useRegistry(), none: useRegistry() };
/** Runs the jobs every 50 ms, as local mode does every minute, on a clock the test moves. */
const clock = { ms: Date.now() };
const scheduled = useRegistry({}, { sweepIntervalMs: 50, now: () => new Date(clock.ms) });

async function ecr(action: string, body: unknown, registry = registries.counts): Promise<Record<string, any>> {
  const response = await send(await signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}${action}`, body));
  const json = (await response.json()) as Record<string, any>;
  if (response.status !== 200) throw new Error(`${action}: ${JSON.stringify(json)}`);
  return json;
}

const rules = (...selections: object[]) => JSON.stringify({
  rules: selections.map((selection, index) => ({ rulePriority: index + 1, description: `rule ${index + 1}`, selection, action: { type: 'expire' } })),
});

async function tags(repository: string, registry = registries.counts): Promise<string[]> {
  const listed = await ecr('ListImages', { repositoryName: repository, filter: { tagStatus: 'TAGGED' } }, registry);
  return listed.imageIds.map((id: { imageTag: string }) => id.imageTag).sort();
}

describe('the lifecycle job', () => {
  it('expires what the policy selects and records when it ran', async () => {
    const registry = registries.counts;
    const client = clientOf(registry());
    for (const tag of ['dev-1', 'dev-2', 'dev-3', 'prod-1']) await client.pushImage('jobs/app', tag, ociImage());
    await ecr('PutLifecyclePolicy', {
      repositoryName: 'jobs/app',
      lifecyclePolicyText: rules(
        { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 5 },
        { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 },
      ),
    });
    const ranAt = new Date('2031-05-06T07:08:09.000Z');
    const report = await registry().runLifecyclePolicies(ranAt);
    expect(report.failures).toEqual([]);
    // The newest two images are prod-1 and dev-3; prod-1 belongs to the first rule, so dev-3 and prod-1 stay.
    expect(await tags('jobs/app')).toEqual(['dev-3', 'prod-1']);
    expect((await client.request('GET', '/v2/jobs/app/manifests/dev-1')).status).toBe(404);
    const policy = await ecr('GetLifecyclePolicy', { repositoryName: 'jobs/app' });
    expect(new Date(policy.lastEvaluatedAt * 1000)).toEqual(ranAt);
  });

  it('expires by age, keeping the children of a surviving index and the artifacts of a surviving subject', async () => {
    const registry = registries.ages;
    const client = clientOf(registry());
    const amd64 = ociImage({ platform: { os: 'linux', architecture: 'amd64' } });
    const arm64 = ociImage({ platform: { os: 'linux', architecture: 'arm64' } });
    await client.pushImage('jobs/multi', amd64.manifest.digest, amd64);
    await client.pushImage('jobs/multi', arm64.manifest.digest, arm64);
    const index = ociIndex([{ image: amd64, platform: { os: 'linux', architecture: 'amd64' } }, { image: arm64, platform: { os: 'linux', architecture: 'arm64' } }]);
    expect((await client.pushManifest('jobs/multi', 'v1', index)).status).toBe(201);
    const payload = randomBlob(50, 'application/spdx+json');
    await client.pushBlob('jobs/multi', EMPTY_CONFIG);
    await client.pushBlob('jobs/multi', payload);
    const sbom = artifact(index, 'application/spdx+json', payload);
    expect((await client.pushManifest('jobs/multi', sbom.digest, sbom)).status).toBe(201);
    const loose = ociImage();
    await client.pushImage('jobs/multi', loose.manifest.digest, loose);

    await ecr('PutLifecyclePolicy', {
      repositoryName: 'jobs/multi',
      lifecyclePolicyText: rules({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }),
    }, registry);
    const report = await registry().runLifecyclePolicies(new Date(Date.now() + 8 * 24 * 3600 * 1000));
    expect(report.expired).toEqual([{ repository: 'jobs/multi', digest: loose.manifest.digest }]);
    for (const kept of [amd64.manifest.digest, arm64.manifest.digest, sbom.digest, index.digest]) {
      expect((await client.request('HEAD', `/v2/jobs/multi/manifests/${kept}`)).status, kept).toBe(200);
    }
    expect((await client.request('HEAD', `/v2/jobs/multi/manifests/${loose.manifest.digest}`)).status).toBe(404);
  });

  it('leaves repositories without a policy alone', async () => {
    const registry = registries.none;
    const client = clientOf(registry());
    await client.pushImage('jobs/none', 'v1', ociImage());
    const report = await registry().runLifecyclePolicies(new Date(Date.now() + 365 * 24 * 3600 * 1000));
    expect(report).toEqual({ repositories: 1, expired: [], failures: [] });
    expect(await tags('jobs/none', registry)).toEqual(['v1']);
  });

});

describe('local mode\'s scheduled jobs', () => {
  it('apply lifecycle policies on their own, on the configured interval', async () => {
    const client = clientOf(scheduled());
    const [expired, newer] = [ociImage(), ociImage()];
    // A second apart on the registry's clock, so that which one is older is not a tie.
    await client.pushImage('jobs/scheduled', expired.manifest.digest, expired);
    clock.ms += 1000;
    await client.pushImage('jobs/scheduled', newer.manifest.digest, newer);
    await ecr('PutLifecyclePolicy', {
      repositoryName: 'jobs/scheduled',
      lifecyclePolicyText: rules({ tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }),
    }, scheduled);
    // No call from the test: the server's own schedule applies the policy.
    const status = async (digest: string) => (await client.request('HEAD', `/v2/jobs/scheduled/manifests/${digest}`)).status;
    await expect.poll(() => status(expired.manifest.digest), { timeout: 20_000, interval: 50 }).toBe(404);
    expect(await status(newer.manifest.digest)).toBe(200);
  });

  it('sweep expired uploads on their own, on the configured interval', async () => {
    const client = clientOf(scheduled());
    const upload = await client.startUpload('jobs/swept');
    const session = new URL(upload).pathname.split('/').pop()!;
    expect(await scheduled().store.getUpload(session)).toBeDefined();
    // Past the uploads' lifetime (24 hours): the next scheduled sweep removes the session.
    clock.ms += 25 * 3600 * 1000;
    await expect.poll(() => scheduled().store.getUpload(session), { timeout: 20_000, interval: 50 }).toBeUndefined();
  });
});
