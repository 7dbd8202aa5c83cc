import {
  BatchDeleteImageCommand, BatchGetImageCommand, CreateRepositoryCommand, DescribeImagesCommand, GetDownloadUrlForLayerCommand, ImageTagAlreadyExistsException,
  ListImagesCommand, PutImageCommand, paginateDescribeImages, paginateListImages, type PutImageCommandInput,
} from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { awsCli, ecrCli, ecrClient } from '../support/aws-cli.js';
import { artifact, blob, descriptor, dockerImage, EMPTY_CONFIG, ociImage, ociIndex, type Blob, type Image } from '../support/oci.js';
import { useRegistry, clientOf } from '../support/registry.js';
import { describeWith } from '../support/tools.js';

const registry = useRegistry();
const client = () => clientOf(registry());

/** Pushes an image's blobs, then its manifest under each reference (a tag, or its digest). */
async function push(repository: string, image: Image, ...references: string[]): Promise<void> {
  await client().pushBlobs(repository, image);
  for (const reference of references.length > 0 ? references : [image.manifest.digest]) {
    const response = await client().pushManifest(repository, reference, image.manifest);
    expect(response.status, await response.text()).toBe(201);
  }
}

async function pushManifest(repository: string, reference: string, manifest: Blob): Promise<void> {
  const response = await client().pushManifest(repository, reference, manifest);
  expect(response.status, await response.text()).toBe(201);
}

function sizeOf(image: Image): number {
  return [image.config, ...image.layers].reduce((sum, item) => sum + item.bytes.length, 0);
}

const byKey = (a: { imageDigest?: string; imageTag?: string }, b: { imageDigest?: string; imageTag?: string }) =>
  `${a.imageDigest} ${a.imageTag ?? ''}`.localeCompare(`${b.imageDigest} ${b.imageTag ?? ''}`);

describeWith([awsCli], 'image actions with the AWS CLI', () => {
  const aws = (...args: string[]) => ecrCli(registry())(...args);
  // The CLI for what its arguments and output shapes decide; the SDK for the rest, without a Python process each time.
  const sdk = () => ecrClient(registry());

  it('lists one entry per tag and one per untagged manifest, filtered by tag status and paged', async () => {
    const tagged = ociImage();
    const untagged = ociImage();
    await push('cli/list', tagged, 'v1', 'v2');
    await push('cli/list', untagged);

    const all = await aws('list-images', '--repository-name', 'cli/list');
    expect(all.code, all.stderr).toBe(0);
    const expected = [
      { imageDigest: tagged.manifest.digest, imageTag: 'v1' },
      { imageDigest: tagged.manifest.digest, imageTag: 'v2' },
      { imageDigest: untagged.manifest.digest },
    ];
    expect(all.json().imageIds.sort(byKey)).toEqual([...expected].sort(byKey));

    const onlyTagged = await aws('list-images', '--repository-name', 'cli/list', '--filter', 'tagStatus=TAGGED');
    expect(onlyTagged.json().imageIds.sort(byKey)).toEqual(expected.slice(0, 2));
    const onlyUntagged = await sdk().send(new ListImagesCommand({ repositoryName: 'cli/list', filter: { tagStatus: 'UNTAGGED' } }));
    expect(onlyUntagged.imageIds).toEqual([{ imageDigest: untagged.manifest.digest }]);

    // One entry per request: the CLI follows nextToken, including one that ends inside a manifest's tags.
    const paged = await aws('list-images', '--repository-name', 'cli/list', '--page-size', '1');
    expect(paged.code, paged.stderr).toBe(0);
    expect(paged.json().imageIds.sort(byKey)).toEqual([...expected].sort(byKey));
    const first = await aws('list-images', '--repository-name', 'cli/list', '--max-items', '1', '--page-size', '1');
    expect(first.json().imageIds).toHaveLength(1);
    const rest = await aws('list-images', '--repository-name', 'cli/list', '--page-size', '1', '--starting-token', first.json().NextToken);
    expect([...first.json().imageIds, ...rest.json().imageIds].sort(byKey)).toEqual([...expected].sort(byKey));

    await expect(sdk().send(new ListImagesCommand({ repositoryName: 'cli/no-such-repository' }))).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
  });

  it('describes images with tags, sizes, push times and media types, by id or all, and names unknown ids', async () => {
    const before = Date.now() / 1000;
    const docker = dockerImage({ layerSizes: [300, 500] });
    const arm = ociImage({ layerSizes: [2000], platform: { os: 'linux', architecture: 'arm64' } });
    await push('cli/describe', docker, 'docker', 'also');
    await push('cli/describe', arm);
    const index = ociIndex([{ image: arm, platform: { os: 'linux', architecture: 'arm64' } }, { image: docker, platform: { os: 'linux', architecture: 'amd64' } }]);
    await pushManifest('cli/describe', 'multi', index);

    const described = await aws('describe-images', '--repository-name', 'cli/describe');
    expect(described.code, described.stderr).toBe(0);
    const details = described.json().imageDetails as Record<string, any>[];
    expect(details).toHaveLength(3);
    const detail = (digest: string) => details.find((item) => item.imageDigest === digest)!;
    expect(detail(docker.manifest.digest)).toMatchObject({
      registryId: registry().identity.accountId,
      repositoryName: 'cli/describe',
      imageTags: ['also', 'docker'],
      imageSizeInBytes: sizeOf(docker),
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
    });
    const pushedAt = Date.parse(detail(docker.manifest.digest).imagePushedAt) / 1000;
    expect(pushedAt).toBeGreaterThanOrEqual(Math.floor(before));
    expect(pushedAt).toBeLessThanOrEqual(Date.now() / 1000);
    expect(detail(arm.manifest.digest)).toMatchObject({ imageSizeInBytes: sizeOf(arm), artifactMediaType: 'application/vnd.oci.image.config.v1+json' });
    expect(detail(arm.manifest.digest).imageTags).toBeUndefined();
    // An index is as large as its largest image, as ECR documents for manifest lists.
    expect(detail(index.digest)).toMatchObject({ imageTags: ['multi'], imageSizeInBytes: Math.max(sizeOf(arm), sizeOf(docker)), imageManifestMediaType: index.mediaType });
    expect(detail(index.digest).artifactMediaType).toBeUndefined();

    const byIds = await aws('describe-images', '--repository-name', 'cli/describe', '--image-ids', 'imageTag=docker', `imageDigest=${docker.manifest.digest}`, `imageDigest=${arm.manifest.digest}`);
    expect(byIds.code, byIds.stderr).toBe(0);
    expect(byIds.json().imageDetails.map((item: { imageDigest: string }) => item.imageDigest)).toEqual([docker.manifest.digest, arm.manifest.digest]);

    const untagged = await sdk().send(new DescribeImagesCommand({ repositoryName: 'cli/describe', filter: { tagStatus: 'UNTAGGED' } }));
    expect(untagged.imageDetails!.map((item) => item.imageDigest)).toEqual([arm.manifest.digest]);
    const paged = await aws('describe-images', '--repository-name', 'cli/describe', '--page-size', '1');
    expect(paged.json().imageDetails).toHaveLength(3);

    const unknown = await aws('describe-images', '--repository-name', 'cli/describe', '--image-ids', 'imageTag=nope');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('ImageNotFoundException');
    expect(unknown.stderr).toContain(`The image with imageId {imageDigest:'null', imageTag:'nope'} does not exist within the repository with name 'cli/describe'`);
    await expect(sdk().send(new DescribeImagesCommand({ repositoryName: 'cli/describe', imageIds: [{ imageTag: 'docker', imageDigest: arm.manifest.digest }] })))
      .rejects.toMatchObject({ name: 'ImageNotFoundException' });
    await expect(sdk().send(new DescribeImagesCommand({ repositoryName: 'cli/describe', imageIds: [{ imageTag: 'docker' }], maxResults: 5 })))
      .rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('gets manifests byte-exact with batch-get-image, and reports ECR failure codes per image', async () => {
    const image = ociImage();
    const other = ociImage();
    await push('cli/get', image, 'v1');
    await push('cli/get', other);
    const result = await aws('batch-get-image', '--repository-name', 'cli/get', '--image-ids',
      'imageTag=v1', `imageDigest=${other.manifest.digest}`, 'imageTag=missing', 'imageDigest=not-a-digest',
      `imageTag=v1,imageDigest=${other.manifest.digest}`, 'imageTag=bad!tag');
    expect(result.code, result.stderr).toBe(0);
    const { images, failures } = result.json();
    expect(images).toEqual([
      {
        registryId: registry().identity.accountId, repositoryName: 'cli/get',
        imageId: { imageDigest: image.manifest.digest, imageTag: 'v1' },
        imageManifest: image.manifest.bytes.toString('utf8'),
        imageManifestMediaType: image.manifest.mediaType,
      },
      {
        registryId: registry().identity.accountId, repositoryName: 'cli/get',
        imageId: { imageDigest: other.manifest.digest },
        imageManifest: other.manifest.bytes.toString('utf8'),
        imageManifestMediaType: other.manifest.mediaType,
      },
    ]);
    expect(failures.map((failure: { failureCode: string; imageId: object }) => [failure.failureCode, failure.imageId])).toEqual([
      ['ImageNotFound', { imageTag: 'missing' }],
      ['InvalidImageDigest', { imageDigest: 'not-a-digest' }],
      ['ImageTagDoesNotMatchDigest', { imageTag: 'v1', imageDigest: other.manifest.digest }],
      ['InvalidImageTag', { imageTag: 'bad!tag' }],
    ]);
    expect(failures[0].failureReason).toBe('Requested image not found');

    const empty = await sdk().send(new BatchGetImageCommand({ repositoryName: 'cli/get', imageIds: [{}] }));
    expect(empty.failures![0]).toMatchObject({ failureCode: 'MissingDigestAndTag' });
    // Nothing is converted: the stored manifest comes back whatever the client accepts.
    const accepted = await sdk().send(new BatchGetImageCommand({ repositoryName: 'cli/get', imageIds: [{ imageTag: 'v1' }], acceptedMediaTypes: ['application/vnd.docker.distribution.manifest.v2+json'] }));
    expect(accepted.images![0]!.imageManifestMediaType).toBe(image.manifest.mediaType);
  });

  it('deletes by digest with every tag, and by tag only the tag, the image going with its last tag', async () => {
    const image = ociImage();
    const second = ociImage();
    await push('cli/delete', image, 'a', 'b');
    await push('cli/delete', second, 'c', 'd');

    const untag = await aws('batch-delete-image', '--repository-name', 'cli/delete', '--image-ids', 'imageTag=a');
    expect(untag.code, untag.stderr).toBe(0);
    expect(untag.json()).toEqual({ imageIds: [{ imageDigest: image.manifest.digest, imageTag: 'a' }], failures: [] });
    const kept = await sdk().send(new DescribeImagesCommand({ repositoryName: 'cli/delete', imageIds: [{ imageDigest: image.manifest.digest }] }));
    expect(kept.imageDetails![0]!.imageTags).toEqual(['b']);

    const last = await aws('batch-delete-image', '--repository-name', 'cli/delete', '--image-ids', 'imageTag=b');
    expect(last.json().imageIds).toEqual([{ imageDigest: image.manifest.digest, imageTag: 'b' }]);
    await expect(sdk().send(new DescribeImagesCommand({ repositoryName: 'cli/delete', imageIds: [{ imageDigest: image.manifest.digest }] })))
      .rejects.toMatchObject({ name: 'ImageNotFoundException' });

    const byDigest = await aws('batch-delete-image', '--repository-name', 'cli/delete', '--image-ids',
      `imageDigest=${second.manifest.digest}`, 'imageTag=never', `imageTag=a,imageDigest=${second.manifest.digest}`);
    expect(byDigest.json().imageIds.sort(byKey)).toEqual([
      { imageDigest: second.manifest.digest, imageTag: 'c' },
      { imageDigest: second.manifest.digest, imageTag: 'd' },
    ]);
    expect(byDigest.json().failures.map((failure: { failureCode: string }) => failure.failureCode)).toEqual(['ImageNotFound', 'ImageNotFound']);
    expect((await client().request('GET', `/v2/cli/delete/manifests/c`)).status).toBe(404);
    expect((await sdk().send(new ListImagesCommand({ repositoryName: 'cli/delete' }))).imageIds).toEqual([]);

    // An untagged image is deleted by digest, and listed by its digest alone.
    const third = ociImage();
    await push('cli/delete', third);
    const untagged = await aws('batch-delete-image', '--repository-name', 'cli/delete', '--image-ids', `imageDigest=${third.manifest.digest}`);
    expect(untagged.json().imageIds).toEqual([{ imageDigest: third.manifest.digest }]);
  });

  it('puts an image whose blobs are in the repository, and refuses repeats, wrong digests and missing references', async () => {
    const image = dockerImage();
    await client().pushBlobs('cli/put', image);
    const text = image.manifest.bytes.toString('utf8');

    const put = await aws('put-image', '--repository-name', 'cli/put', '--image-manifest', text, '--image-tag', 'v1');
    expect(put.code, put.stderr).toBe(0);
    expect(put.json().image).toEqual({
      registryId: registry().identity.accountId, repositoryName: 'cli/put',
      imageId: { imageDigest: image.manifest.digest, imageTag: 'v1' },
      imageManifest: text, imageManifestMediaType: image.manifest.mediaType,
    });
    const pulled = await client().request('GET', '/v2/cli/put/manifests/v1', { headers: { accept: image.manifest.mediaType } });
    expect(Buffer.from(await pulled.arrayBuffer())).toEqual(image.manifest.bytes);

    const putImage = (input: Omit<PutImageCommandInput, 'imageManifest'> & { imageManifest?: string }) => sdk().send(new PutImageCommand({ imageManifest: text, ...input }));
    await expect(putImage({ repositoryName: 'cli/put', imageTag: 'v1' })).rejects.toMatchObject({ name: 'ImageAlreadyExistsException' });
    const anotherTag = await aws('put-image', '--repository-name', 'cli/put', '--image-manifest', text, '--image-tag', 'v2',
      '--image-digest', image.manifest.digest, '--image-manifest-media-type', image.manifest.mediaType);
    expect(anotherTag.code, anotherTag.stderr).toBe(0);
    await expect(putImage({ repositoryName: 'cli/put', imageTag: 'v3', imageDigest: `sha256:${'0'.repeat(64)}` })).rejects.toMatchObject({ name: 'ImageDigestDoesNotMatchException' });

    const missingLayer = blob('never pushed', 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    const broken = JSON.stringify({ schemaVersion: 2, mediaType: image.manifest.mediaType, config: descriptor(image.config), layers: [descriptor(missingLayer)] });
    await expect(putImage({ repositoryName: 'cli/put', imageManifest: broken, imageTag: 'broken' }))
      .rejects.toMatchObject({ name: 'LayersNotFoundException', message: expect.stringContaining(missingLayer.digest) });

    const orphan = ociImage();
    const index = ociIndex([{ image: orphan, platform: { os: 'linux', architecture: 'amd64' } }]);
    await expect(putImage({ repositoryName: 'cli/put', imageManifest: index.bytes.toString('utf8') })).rejects.toMatchObject({ name: 'ReferencedImagesNotFoundException' });

    await expect(putImage({ repositoryName: 'cli/put', imageManifest: '{"schemaVersion": 2, "mediaType": "application/x.unknown"}' })).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(putImage({ repositoryName: 'cli/put', imageTag: 'v4', imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' })).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(putImage({ repositoryName: 'cli/nowhere' })).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
  });

  it('refuses to move an immutable tag with put-image, but accepts a new tag', async () => {
    await sdk().send(new CreateRepositoryCommand({ repositoryName: 'cli/immutable', imageTagMutability: 'IMMUTABLE' }));
    const first = ociImage();
    const second = ociImage();
    for (const item of [first.config, ...first.layers, second.config, ...second.layers]) await client().pushBlob('cli/immutable', item);
    expect((await aws('put-image', '--repository-name', 'cli/immutable', '--image-manifest', first.manifest.bytes.toString('utf8'), '--image-tag', 'v1')).code).toBe(0);

    const moved = await aws('put-image', '--repository-name', 'cli/immutable', '--image-manifest', second.manifest.bytes.toString('utf8'), '--image-tag', 'v1');
    expect(moved.code).not.toBe(0);
    expect(moved.stderr).toContain('ImageTagAlreadyExistsException');
    expect(moved.stderr).toContain('The image tag \'v1\' already exists in the \'cli/immutable\' repository and cannot be overwritten because the repository is immutable.');
    await sdk().send(new PutImageCommand({ repositoryName: 'cli/immutable', imageManifest: second.manifest.bytes.toString('utf8'), imageTag: 'v2' }));
    const tag = await sdk().send(new BatchGetImageCommand({ repositoryName: 'cli/immutable', imageIds: [{ imageTag: 'v1' }] }));
    expect(tag.images![0]!.imageId!.imageDigest).toBe(first.manifest.digest);
  });

  it('checks layer availability and hands out presigned download URLs for layers the repository holds', async () => {
    const image = ociImage({ layerSizes: [4096] });
    await push('cli/layers', image, 'v1');
    const layer = image.layers[0]!;
    const elsewhere = ociImage();
    await push('cli/layers-elsewhere', elsewhere);

    const checked = await aws('batch-check-layer-availability', '--repository-name', 'cli/layers', '--layer-digests',
      layer.digest, image.config.digest, elsewhere.layers[0]!.digest, 'sha256:xyz');
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.json().layers).toEqual([
      { layerDigest: layer.digest, layerAvailability: 'AVAILABLE', layerSize: layer.bytes.length },
      { layerDigest: image.config.digest, layerAvailability: 'AVAILABLE', layerSize: image.config.bytes.length },
    ]);
    expect(checked.json().failures).toEqual([
      { layerDigest: elsewhere.layers[0]!.digest, failureCode: 'MissingLayerDigest', failureReason: 'Could not find layer' },
      { layerDigest: 'sha256:xyz', failureCode: 'InvalidLayerDigest', failureReason: 'Invalid layer digest' },
    ]);

    const url = await aws('get-download-url-for-layer', '--repository-name', 'cli/layers', '--layer-digest', layer.digest);
    expect(url.code, url.stderr).toBe(0);
    expect(url.json().layerDigest).toBe(layer.digest);
    expect(url.json().downloadUrl).toMatch(/X-Amz-Expires=300/);
    const downloaded = Buffer.from(await (await fetch(url.json().downloadUrl)).arrayBuffer());
    expect(downloaded).toEqual(layer.bytes);

    await expect(sdk().send(new GetDownloadUrlForLayerCommand({ repositoryName: 'cli/layers', layerDigest: elsewhere.layers[0]!.digest }))).rejects.toMatchObject({ name: 'LayersNotFoundException' });
    await expect(sdk().send(new GetDownloadUrlForLayerCommand({ repositoryName: 'cli/layers', layerDigest: 'nope' }))).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('image actions with the AWS SDK', () => {
  it('pages ListImages and DescribeImages with the SDK paginators, and applies imageStatus filters', async () => {
    const ecr = ecrClient(registry());
    const images = [ociImage(), ociImage(), ociImage()];
    for (const [index, image] of images.entries()) await push('sdk/paged', image, `t${index}a`, `t${index}b`);

    const listed = [];
    for await (const page of paginateListImages({ client: ecr, pageSize: 4 }, { repositoryName: 'sdk/paged' })) {
      expect(page.imageIds!.length).toBeLessThanOrEqual(4);
      listed.push(...page.imageIds!);
    }
    expect(listed).toHaveLength(6);
    expect(new Set(listed.map((id) => id.imageTag)).size).toBe(6);

    const described = [];
    for await (const page of paginateDescribeImages({ client: ecr, pageSize: 2 }, { repositoryName: 'sdk/paged' })) described.push(...page.imageDetails!);
    expect(described.map((detail) => detail.imageDigest).sort()).toEqual(images.map((image) => image.manifest.digest).sort());
    expect(described[0]?.imagePushedAt).toBeInstanceOf(Date);

    const archived = await ecr.send(new ListImagesCommand({ repositoryName: 'sdk/paged', filter: { imageStatus: 'ARCHIVED' } }));
    expect(archived.imageIds).toEqual([]);
    const active = await ecr.send(new DescribeImagesCommand({ repositoryName: 'sdk/paged', filter: { imageStatus: 'ACTIVE', tagStatus: 'TAGGED' } }));
    expect(active.imageDetails).toHaveLength(3);
  });

  it('reports the subject of an artifact in DescribeImages', async () => {
    const image = ociImage();
    await push('sdk/subject', image, 'v1');
    const payload = blob('signature', 'application/x.sig');
    await client().pushBlob('sdk/subject', payload);
    await client().pushBlob('sdk/subject', EMPTY_CONFIG);
    const signature = artifact(image.manifest, 'application/x.sig', payload);
    await pushManifest('sdk/subject', signature.digest, signature);
    const described = await ecrClient(registry()).send(new DescribeImagesCommand({ repositoryName: 'sdk/subject', imageIds: [{ imageDigest: signature.digest }] }));
    expect(described.imageDetails?.[0]).toMatchObject({
      subjectManifestDigest: image.manifest.digest,
      artifactMediaType: EMPTY_CONFIG.mediaType,
      imageSizeInBytes: EMPTY_CONFIG.bytes.length + payload.bytes.length,
    });
  });

  it('refuses to delete an image an index lists (ImageReferencedByManifestList) until the index goes; its last tag still goes alone', async () => {
    const amd64 = ociImage({ platform: { os: 'linux', architecture: 'amd64' } });
    const arm64 = ociImage({ platform: { os: 'linux', architecture: 'arm64' } });
    await push('sdk/listed', amd64, 'amd64');
    await push('sdk/listed', arm64);
    const index = ociIndex([
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm64, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    await pushManifest('sdk/listed', 'multi', index);
    const ecr = ecrClient(registry());

    const refused = await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'sdk/listed', imageIds: [{ imageDigest: arm64.manifest.digest }] }));
    expect(refused.imageIds).toEqual([]);
    expect(refused.failures).toEqual([{
      imageId: { imageDigest: arm64.manifest.digest },
      failureCode: 'ImageReferencedByManifestList',
      failureReason: 'Requested image referenced by manifest list',
    }]);
    // By its last tag: the tag goes, the image stays for the index.
    const untagged = await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'sdk/listed', imageIds: [{ imageTag: 'amd64' }] }));
    expect(untagged.imageIds).toEqual([{ imageDigest: amd64.manifest.digest, imageTag: 'amd64' }]);
    expect((await client().request('HEAD', `/v2/sdk/listed/manifests/${amd64.manifest.digest}`, { headers: { accept: amd64.manifest.mediaType } })).status).toBe(200);

    const all = [{ imageDigest: index.digest }, { imageDigest: amd64.manifest.digest }, { imageDigest: arm64.manifest.digest }];
    const deleted = await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'sdk/listed', imageIds: all }));
    expect(deleted.failures).toEqual([]);
    expect(deleted.imageIds?.sort(byKey)).toEqual([{ imageDigest: index.digest, imageTag: 'multi' }, { imageDigest: amd64.manifest.digest }, { imageDigest: arm64.manifest.digest }].sort(byKey));
  });

  it('honours exclusion filters on PutImage', async () => {
    const ecr = ecrClient(registry());
    await ecr.send(new CreateRepositoryCommand({
      repositoryName: 'sdk/excluded', imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'dev-*' }],
    }));
    const [first, second] = [ociImage(), ociImage()];
    for (const item of [first.config, ...first.layers, second.config, ...second.layers]) await client().pushBlob('sdk/excluded', item);
    const put = (image: Image, imageTag: string) => ecr.send(new PutImageCommand({ repositoryName: 'sdk/excluded', imageManifest: image.manifest.bytes.toString('utf8'), imageTag }));
    await put(first, 'dev-1');
    await put(second, 'dev-1');
    await put(first, 'release-1');
    await expect(put(second, 'release-1')).rejects.toBeInstanceOf(ImageTagAlreadyExistsException);
    const described = await ecr.send(new DescribeImagesCommand({ repositoryName: 'sdk/excluded', imageIds: [{ imageTag: 'dev-1' }, { imageTag: 'release-1' }] }));
    expect(described.imageDetails?.map((detail) => detail.imageDigest)).toEqual([second.manifest.digest, first.manifest.digest]);
  });
});
