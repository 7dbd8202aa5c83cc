import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreatePullThroughCacheRuleCommand, DescribeImagesCommand, DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ecrClient } from '../support/aws-cli.js';
import { distributionTool, seedDistribution, startDistribution, type Distribution } from '../support/distribution.js';
import { imageBlobs, ociImage, ociIndex, sha256 } from '../support/oci.js';
import { actionsFor } from '../../lambdas/auth/actions.js';
import type { RegistryEvent } from '../../lambdas/events/registry-event.js';
import { administratorArn, clientOf, useRegistry } from '../support/registry.js';
import { writeOciLayout } from '../support/oci-layout.js';
import { describeWith, runTool } from '../support/tools.js';
import { pullWithSkopeo, registryCreds, skopeo } from './support.js';

/** Pulls through a rule whose upstream is Debian's docker-registry (distribution 2.8) without auth, with skopeo. */

type OciErrors = { errors: { code: string }[] };

const REFRESH_SECONDS = 3600;
let clock = Date.now();
const announced: RegistryEvent[] = [];
const registry = useRegistry({}, { now: () => new Date(clock), pullThrough: { refreshSeconds: REFRESH_SECONDS }, observeEvents: (event) => announced.push(event) });

/** The ECR client signs on the registry's clock, as a client whose clock is right does. */
function ecr() {
  const client = ecrClient(registry());
  client.config.systemClockOffset = clock - Date.now();
  return client;
}

describeWith([distributionTool, skopeo], 'pull-through cache of a distribution registry', () => {
  let upstream: Distribution | undefined;
  beforeAll(async () => {
    upstream = await startDistribution();
    await ecr().send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'mirror', upstreamRegistryUrl: upstream!.url }));
  });
  afterAll(async () => {
    await registry().pullThroughSettled();
    await upstream?.stop();
  });

  it('serves a first pull with the upstream\'s digest, stores the image in a repository created for it, and tells tags apart after the interval', async () => {
    const first = ociImage({ layerSizes: [300_000, 2000] });
    await seedDistribution(upstream!, 'team/app', imageBlobs(first), [{ reference: 'v1', manifest: first.manifest }]);

    const pulled = await pullWithSkopeo(registry(), 'mirror/team/app:v1');
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.digest).toBe(first.manifest.digest);
    await registry().pullThroughSettled();
    const repositories = await ecr().send(new DescribeRepositoriesCommand({ repositoryNames: ['mirror/team/app'] }));
    expect(repositories.repositories).toHaveLength(1);
    const images = await ecr().send(new DescribeImagesCommand({ repositoryName: 'mirror/team/app' }));
    expect(images.imageDetails?.map((image) => [image.imageDigest, image.imageTags])).toEqual([[first.manifest.digest, ['v1']]]);

    // The tag moves upstream: within the interval the cached image is served, after it the new one.
    const second = ociImage({ layerSizes: [1000] });
    await seedDistribution(upstream!, 'team/app', imageBlobs(second), [{ reference: 'v1', manifest: second.manifest }]);
    expect((await pullWithSkopeo(registry(), 'mirror/team/app:v1')).digest).toBe(first.manifest.digest);
    clock += (REFRESH_SECONDS + 1) * 1000;
    const later = await pullWithSkopeo(registry(), 'mirror/team/app:v1');
    expect(later.code, later.stderr).toBe(0);
    expect(later.digest).toBe(second.manifest.digest);
  });

  it('brings a two-platform index over whole, and serves it by digest', async () => {
    const AMD64 = { os: 'linux', architecture: 'amd64' };
    const ARM64 = { os: 'linux', architecture: 'arm64' };
    const amd64 = ociImage({ layerSizes: [4000], platform: AMD64 });
    const arm64 = ociImage({ layerSizes: [5000], platform: ARM64 });
    const index = ociIndex([{ image: amd64, platform: AMD64 }, { image: arm64, platform: ARM64 }]);
    await seedDistribution(upstream!, 'library/multi', [...imageBlobs(amd64), ...imageBlobs(arm64)], [
      { reference: amd64.manifest.digest, manifest: amd64.manifest },
      { reference: arm64.manifest.digest, manifest: arm64.manifest },
      { reference: 'v2', manifest: index },
    ]);

    const pulled = await pullWithSkopeo(registry(), `mirror/library/multi@${index.digest}`, ['--multi-arch', 'all']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.digest).toBe(index.digest);
    await registry().pullThroughSettled();
    const client = clientOf(registry());
    const top = await client.request('GET', `/v2/mirror/library/multi/manifests/${index.digest}`, { headers: { accept: index.mediaType } });
    expect(sha256(Buffer.from(await top.arrayBuffer()))).toBe(index.digest);
    const images = await ecr().send(new DescribeImagesCommand({ repositoryName: 'mirror/library/multi' }));
    expect(images.imageDetails?.map((image) => image.imageDigest).sort()).toEqual([index.digest, amd64.manifest.digest, arm64.manifest.digest].sort());
  });

  it('answers MANIFEST_UNKNOWN for an image the upstream does not have, and creates no repository', async () => {
    const client = clientOf(registry());
    const response = await client.request('GET', '/v2/mirror/team/none/manifests/v1');
    expect(response.status).toBe(404);
    expect(((await response.json()) as OciErrors).errors[0]!.code).toBe('MANIFEST_UNKNOWN');
    await expect(ecr().send(new DescribeRepositoriesCommand({ repositoryNames: ['mirror/team/none'] }))).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
  });

  it('announces the repository it creates, once, as a repository created through the API is', async () => {
    const image = ociImage({ layerSizes: [1000] });
    await seedDistribution(upstream!, 'team/announced', imageBlobs(image), [{ reference: 'v1', manifest: image.manifest }]);
    for (let pull = 0; pull < 2; pull++) {
      const pulled = await pullWithSkopeo(registry(), 'mirror/team/announced:v1');
      expect(pulled.code, pulled.stderr).toBe(0);
      await registry().pullThroughSettled();
    }
    const ofRepository = announced.filter((event) => event.repository === 'mirror/team/announced');
    expect(ofRepository.filter((event) => event.kind === 'repository')).toEqual([expect.objectContaining({ kind: 'repository', action: 'CREATE' })]);
    expect(ofRepository.filter((event) => event.kind === 'image').map((event) => [event.action, event.digest])).toContainEqual(['PUSH', image.manifest.digest]);
  });

  it('brings an image not cached yet only for callers allowed ecr:BatchImportUpstreamImage; once cached, a pull needs only the pull actions', async () => {
    const image = ociImage({ layerSizes: [3000] });
    await seedDistribution(upstream!, 'team/guarded', imageBlobs(image), [{ reference: 'v1', manifest: image.manifest }]);
    const readOnly = actionsFor(['pull']).filter((action) => action !== 'ecr:BatchImportUpstreamImage');
    const { token } = await registry().tokens.issue({ principalArn: administratorArn(registry()), accountId: registry().identity.accountId, actions: readOnly }, 3600);
    const get = () => fetch(`${registry().url}/v2/mirror/team/guarded/manifests/v1`, {
      headers: { authorization: `Basic ${Buffer.from(`AWS:${token}`).toString('base64')}`, accept: image.manifest.mediaType },
    });
    const refused = await get();
    expect(refused.status).toBe(403);
    const { errors } = (await refused.json()) as { errors: { code: string; message: string }[] };
    expect(errors[0]).toMatchObject({ code: 'DENIED', message: expect.stringContaining('ecr:BatchImportUpstreamImage') });
    await expect(ecr().send(new DescribeRepositoriesCommand({ repositoryNames: ['mirror/team/guarded'] }))).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });

    expect((await pullWithSkopeo(registry(), 'mirror/team/guarded:v1')).digest).toBe(image.manifest.digest);
    await registry().pullThroughSettled();
    const allowed = await get();
    expect(allowed.status).toBe(200);
    expect(sha256(Buffer.from(await allowed.arrayBuffer()))).toBe(image.manifest.digest);
  });

  it('refuses pushes into a cache repository', async () => {
    const image = ociImage({ layerSizes: [100] });
    const dir = mkdtempSync(join(tmpdir(), 'berth-push-'));
    try {
      writeOciLayout(dir, [{ name: 'one', manifest: image.manifest }], imageBlobs(image));
      const host = new URL(registry().url).host;
      const pushed = await runTool(skopeo.path!, ['--insecure-policy', 'copy', '--dest-tls-verify=false', '--dest-creds', await registryCreds(registry()), `oci:${dir}:one`, `docker://${host}/mirror/team/pushed:v1`]);
      expect(pushed.code).not.toBe(0);
      expect(pushed.stderr).toContain('is a pull through cache of');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const client = clientOf(registry());
    const put = await client.request('PUT', '/v2/mirror/team/app/manifests/v9', { body: image.manifest.bytes, headers: { 'content-type': image.manifest.mediaType } });
    expect(put.status).toBe(403);
    expect(((await put.json()) as OciErrors).errors[0]!.code).toBe('DENIED');
  });

  it('serves what it cached when the upstream is gone', async () => {
    const image = ociImage({ layerSizes: [70_000] });
    await seedDistribution(upstream!, 'team/kept', imageBlobs(image), [{ reference: 'stable', manifest: image.manifest }]);
    expect((await pullWithSkopeo(registry(), 'mirror/team/kept:stable')).digest).toBe(image.manifest.digest);
    await registry().pullThroughSettled();
    await upstream!.stop();
    upstream = undefined;
    clock += (REFRESH_SECONDS + 1) * 1000;

    const again = await pullWithSkopeo(registry(), 'mirror/team/kept:stable');
    expect(again.code, again.stderr).toBe(0);
    expect(again.digest).toBe(image.manifest.digest);
    // Nothing cached under that name: the upstream's absence leaves it unknown.
    const missing = await clientOf(registry()).request('GET', '/v2/mirror/team/other/manifests/v1');
    expect(((await missing.json()) as OciErrors).errors[0]!.code).toBe('MANIFEST_UNKNOWN');
  });
});
