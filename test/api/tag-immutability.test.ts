import { CreateRepositoryCommand, PutImageTagMutabilityCommand, type ImageTagMutability } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { ecrClient } from '../support/aws-cli.js';
import { errorList } from '../support/client.js';
import { ociImage, type Image } from '../support/oci.js';
import { useRegistry, clientOf } from '../support/registry.js';

const registry = useRegistry();
const client = () => clientOf(registry());

async function createRepository(repositoryName: string, imageTagMutability: ImageTagMutability, filters: string[] = []): Promise<void> {
  await ecrClient(registry()).send(new CreateRepositoryCommand({
    repositoryName,
    imageTagMutability,
    ...(filters.length > 0 ? { imageTagMutabilityExclusionFilters: filters.map((filter) => ({ filterType: 'WILDCARD' as const, filter })) } : {}),
  }));
}

async function pushed(repository: string, image: Image, reference: string): Promise<Response> {
  return client().pushManifest(repository, reference, image.manifest);
}

async function tagDigest(repository: string, tag: string): Promise<string | null> {
  const response = await client().request('HEAD', `/v2/${repository}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  return response.status === 200 ? response.headers.get('docker-content-digest') : null;
}

function immutableMessage(tag: string, repository: string): string {
  return `The image tag '${tag}' already exists in the '${repository}' repository and cannot be overwritten because the repository is immutable.`;
}

async function expectRefused(response: Response, tag: string, repository: string): Promise<void> {
  expect(response.status).toBe(400);
  expect(await errorList(response)).toEqual([{ code: 'TAG_INVALID', message: immutableMessage(tag, repository), detail: { tag } }]);
}

describe('pushes to an IMMUTABLE repository', () => {
  it('refuses to move a tag to another manifest, and keeps it where it was', async () => {
    await createRepository('immutable/app', 'IMMUTABLE');
    const [first, second] = [ociImage(), ociImage()];
    await client().pushBlobs('immutable/app', first);
    await client().pushBlobs('immutable/app', second);
    expect((await pushed('immutable/app', first, 'v1')).status).toBe(201);

    await expectRefused(await pushed('immutable/app', second, 'v1'), 'v1', 'immutable/app');
    expect(await tagDigest('immutable/app', 'v1')).toBe(first.manifest.digest);
    // The refused manifest was not stored either.
    expect((await client().request('HEAD', `/v2/immutable/app/manifests/${second.manifest.digest}`)).status).toBe(404);
  });

  it('accepts the same manifest pushed to the same tag again, and new tags', async () => {
    await createRepository('immutable/repush', 'IMMUTABLE');
    const image = ociImage();
    await client().pushBlobs('immutable/repush', image);
    expect((await pushed('immutable/repush', image, 'v1')).status).toBe(201);
    expect((await pushed('immutable/repush', image, 'v1')).status).toBe(201);
    expect((await pushed('immutable/repush', image, 'v2')).status).toBe(201);
    expect(await tagDigest('immutable/repush', 'v2')).toBe(image.manifest.digest);
  });

  it('applies to tags given with ?tag= on a push by digest, which then stores nothing', async () => {
    await createRepository('immutable/query', 'IMMUTABLE');
    const [first, second] = [ociImage(), ociImage()];
    await client().pushBlobs('immutable/query', first);
    await client().pushBlobs('immutable/query', second);
    expect((await pushed('immutable/query', first, 'v1')).status).toBe(201);

    const response = await client().request('PUT', `/v2/immutable/query/manifests/${second.manifest.digest}?tag=fresh&tag=v1`, {
      body: second.manifest.bytes, headers: { 'content-type': second.manifest.mediaType },
    });
    await expectRefused(response, 'v1', 'immutable/query');
    expect(await tagDigest('immutable/query', 'fresh')).toBeNull();
    // By digest alone it is fine: no tag moves.
    expect((await pushed('immutable/query', second, second.manifest.digest)).status).toBe(201);
  });

  it('lets a deleted tag be pushed again at another manifest', async () => {
    await createRepository('immutable/deleted', 'IMMUTABLE');
    const [first, second] = [ociImage(), ociImage()];
    await client().pushBlobs('immutable/deleted', first);
    await client().pushBlobs('immutable/deleted', second);
    expect((await pushed('immutable/deleted', first, 'v1')).status).toBe(201);
    expect((await client().request('DELETE', '/v2/immutable/deleted/manifests/v1')).status).toBe(202);
    expect((await pushed('immutable/deleted', second, 'v1')).status).toBe(201);
    expect(await tagDigest('immutable/deleted', 'v1')).toBe(second.manifest.digest);
  });

  it('lets exactly one of concurrent pushes of different manifests to one tag win', async () => {
    await createRepository('immutable/race', 'IMMUTABLE');
    const images = Array.from({ length: 8 }, () => ociImage());
    for (const image of images) await client().pushBlobs('immutable/race', image);

    const responses = await Promise.all(images.map((image) => pushed('immutable/race', image, 'release')));
    const winners = responses.flatMap((response, index) => (response.status === 201 ? [images[index]!] : []));
    expect(winners).toHaveLength(1);
    for (const response of responses.filter((response) => response.status !== 201)) {
      await expectRefused(response, 'release', 'immutable/race');
    }
    expect(await tagDigest('immutable/race', 'release')).toBe(winners[0]!.manifest.digest);
    const listed = (await (await client().request('GET', '/v2/immutable/race/tags/list')).json()) as { tags: string[] };
    expect(listed.tags).toEqual(['release']);
  });
});

describe('pushes to repositories with exclusion filters', () => {
  it('IMMUTABLE_WITH_EXCLUSION: tags matching a filter move, the others do not', async () => {
    await createRepository('excluded/immutable', 'IMMUTABLE_WITH_EXCLUSION', ['dev-*', 'latest']);
    const [first, second] = [ociImage(), ociImage()];
    await client().pushBlobs('excluded/immutable', first);
    await client().pushBlobs('excluded/immutable', second);
    for (const tag of ['dev-1', 'latest', 'v1']) expect((await pushed('excluded/immutable', first, tag)).status).toBe(201);

    expect((await pushed('excluded/immutable', second, 'dev-1')).status).toBe(201);
    expect((await pushed('excluded/immutable', second, 'latest')).status).toBe(201);
    await expectRefused(await pushed('excluded/immutable', second, 'v1'), 'v1', 'excluded/immutable');
    // A filter matches the whole tag: "dev-*" does not match "mydev-1".
    expect((await pushed('excluded/immutable', first, 'mydev-1')).status).toBe(201);
    await expectRefused(await pushed('excluded/immutable', second, 'mydev-1'), 'mydev-1', 'excluded/immutable');

    expect(await tagDigest('excluded/immutable', 'dev-1')).toBe(second.manifest.digest);
    expect(await tagDigest('excluded/immutable', 'v1')).toBe(first.manifest.digest);
  });

  it('MUTABLE_WITH_EXCLUSION: tags matching a filter are immutable, the others move', async () => {
    await createRepository('excluded/mutable', 'MUTABLE_WITH_EXCLUSION', ['release-*']);
    const [first, second] = [ociImage(), ociImage()];
    await client().pushBlobs('excluded/mutable', first);
    await client().pushBlobs('excluded/mutable', second);
    for (const tag of ['release-1', 'latest']) expect((await pushed('excluded/mutable', first, tag)).status).toBe(201);

    expect((await pushed('excluded/mutable', second, 'latest')).status).toBe(201);
    await expectRefused(await pushed('excluded/mutable', second, 'release-1'), 'release-1', 'excluded/mutable');
    expect(await tagDigest('excluded/mutable', 'release-1')).toBe(first.manifest.digest);
  });

  it('follows the repository\'s current setting after PutImageTagMutability', async () => {
    await createRepository('excluded/changed', 'MUTABLE');
    const [first, second, third] = [ociImage(), ociImage(), ociImage()];
    for (const image of [first, second, third]) await client().pushBlobs('excluded/changed', image);
    expect((await pushed('excluded/changed', first, 'v1')).status).toBe(201);
    expect((await pushed('excluded/changed', second, 'v1')).status).toBe(201);

    await ecrClient(registry()).send(new PutImageTagMutabilityCommand({ repositoryName: 'excluded/changed', imageTagMutability: 'IMMUTABLE' }));
    await expectRefused(await pushed('excluded/changed', third, 'v1'), 'v1', 'excluded/changed');
    expect(await tagDigest('excluded/changed', 'v1')).toBe(second.manifest.digest);
  });
});
