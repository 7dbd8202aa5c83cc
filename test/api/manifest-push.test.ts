import { describe, expect, it } from 'vitest';
import { DOCKER_LIST, DOCKER_MANIFEST, manifestChecks, OCI_INDEX, OCI_MANIFEST, paddedManifest } from '../support/manifests.js';
import { EMPTY_CONFIG, artifact, blob, descriptor, dockerImage, ociImage, ociIndex, randomBlob, sha256 } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';

/** Pushing manifests: answers, tags, stored bytes, and each manifest type. */

const registry = useRegistry();
const client = () => clientOf(registry());
const { expectManifest, expectManifestUnknown, tagsOf } = manifestChecks(client);

describe('manifest push', () => {
  it('answers a PUT by tag with 201, Location and Docker-Content-Digest', async () => {
    const image = ociImage();
    await client().pushBlobs('push/by-tag', image);
    const response = await client().pushManifest('push/by-tag', 'v1', image.manifest);
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/v2/push/by-tag/manifests/${image.manifest.digest}`);
    expect(response.headers.get('docker-content-digest')).toBe(image.manifest.digest);
    expect(response.headers.get('oci-subject')).toBeNull();
    expect(await tagsOf('push/by-tag')).toEqual(['v1']);
  });

  it('answers a PUT by digest with 201 and creates no tag', async () => {
    const image = ociImage();
    await client().pushBlobs('push/by-digest', image);
    const response = await client().pushManifest('push/by-digest', image.manifest.digest, image.manifest);
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/v2/push/by-digest/manifests/${image.manifest.digest}`);
    expect(response.headers.get('docker-content-digest')).toBe(image.manifest.digest);
    await expectManifest('push/by-digest', image.manifest.digest, image.manifest);
    expect(await tagsOf('push/by-digest')).toEqual([]);
  });

  it('moves a tag to the manifest pushed last, keeping the earlier one by digest', async () => {
    const first = ociImage();
    const second = ociImage();
    await client().pushImage('push/retag', 'latest', first);
    await client().pushImage('push/retag', 'latest', second);
    await expectManifest('push/retag', 'latest', second.manifest);
    await expectManifest('push/retag', first.manifest.digest, first.manifest);
  });

  it('stores the bytes exactly as pushed: whitespace, key order and escapes survive', async () => {
    const image = ociImage();
    await client().pushBlobs('push/exact', image);
    const text = '\n  {"layers" :[\n\t' + JSON.stringify(descriptor(image.layers[0]!)) + '  ],\r\n'
      + '"annotations":{"z.last":"\\u00e9t\\u00e9","a.first":"caf\u00e9 \u2603","empty":""},\n'
      + '    "config":   ' + JSON.stringify(descriptor(image.config), null, 3) + ',\n'
      + '"mediaType":"application/vnd.oci.image.manifest.v1+json",   "schemaVersion" : 2 }\n\n';
    const manifest = blob(text, OCI_MANIFEST);
    // Re-serializing would change these bytes and so the digest.
    expect(sha256(Buffer.from(JSON.stringify(JSON.parse(text))))).not.toBe(manifest.digest);

    const response = await client().pushManifest('push/exact', 'odd', manifest);
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(manifest.digest);
    await expectManifest('push/exact', 'odd', manifest);
    await expectManifest('push/exact', manifest.digest, manifest);
  });

  it('reports the subject of a manifest with OCI-Subject', async () => {
    const image = ociImage();
    await client().pushImage('push/subject', 'app', image);
    const payload = randomBlob(64, 'application/vnd.example.sbom.v1+json');
    await client().pushBlob('push/subject', EMPTY_CONFIG);
    await client().pushBlob('push/subject', payload);
    const sbom = artifact(image.manifest, 'application/vnd.example.sbom.v1', payload);
    const response = await client().pushManifest('push/subject', sbom.digest, sbom);
    expect(response.status).toBe(201);
    expect(response.headers.get('oci-subject')).toBe(image.manifest.digest);
    await expectManifest('push/subject', sbom.digest, sbom);
  });

  it('accepts an artifact whose subject is not in the repository', async () => {
    const absent = ociImage();
    const payload = randomBlob(32, 'application/vnd.example.signature.v1');
    await client().pushBlob('push/orphan', EMPTY_CONFIG);
    await client().pushBlob('push/orphan', payload);
    const signature = artifact(absent.manifest, 'application/vnd.example.signature.v1', payload);
    const response = await client().pushManifest('push/orphan', signature.digest, signature);
    expect(response.status).toBe(201);
    expect(response.headers.get('oci-subject')).toBe(absent.manifest.digest);
    await expectManifest('push/orphan', signature.digest, signature);
    await expectManifestUnknown('push/orphan', absent.manifest.digest);
  });

  it('sets every tag given with ?tag= on a PUT by digest', async () => {
    const image = ociImage();
    await client().pushBlobs('push/multi-tag', image);
    const response = await client().request('PUT', `/v2/push/multi-tag/manifests/${image.manifest.digest}?tag=a&tag=b`, {
      body: image.manifest.bytes,
      headers: { 'content-type': OCI_MANIFEST },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(image.manifest.digest);
    expect(response.headers.get('oci-tag')).toBe('a, b');
    await expectManifest('push/multi-tag', 'a', image.manifest);
    await expectManifest('push/multi-tag', 'b', image.manifest);
    expect(await tagsOf('push/multi-tag')).toEqual(['a', 'b']);
  });

  it('sets many tags at once on a manifest just under the inline-storage size', async () => {
    // 50 tags (the most one push may set) on a 175 KiB manifest: copying the bytes into every
    // tag item would pass DynamoDB's 4 MB transaction limit.
    const image = ociImage();
    await client().pushBlobs('push/many-tags', image);
    const manifest = paddedManifest(image, 175 * 1024);
    const tags = Array.from({ length: 50 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const query = tags.map((tag) => `tag=${tag}`).join('&');
    const response = await client().request('PUT', `/v2/push/many-tags/manifests/${manifest.digest}?${query}`, {
      body: manifest.bytes,
      headers: { 'content-type': OCI_MANIFEST },
    });
    expect(response.status).toBe(201);
    expect(await tagsOf('push/many-tags')).toEqual(tags);
    await expectManifest('push/many-tags', 't00', manifest);
    await expectManifest('push/many-tags', 't49', manifest);
    await expectManifest('push/many-tags', manifest.digest, manifest);
  });
});

describe('manifest types', () => {
  it('stores and serves an OCI image index', async () => {
    const amd64 = ociImage({ platform: { os: 'linux', architecture: 'amd64' } });
    const arm64 = ociImage({ platform: { os: 'linux', architecture: 'arm64' } });
    await client().pushImage('types/oci-index', amd64.manifest.digest, amd64);
    await client().pushImage('types/oci-index', arm64.manifest.digest, arm64);
    const index = ociIndex([
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm64, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    const response = await client().pushManifest('types/oci-index', 'multi', index);
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(index.digest);
    await expectManifest('types/oci-index', 'multi', index, OCI_INDEX);
    await expectManifest('types/oci-index', index.digest, index, `${OCI_MANIFEST}, ${OCI_INDEX}`);
  });

  it('stores and serves a Docker schema2 manifest with Docker config and layer types', async () => {
    const image = dockerImage({ layerSizes: [300, 400] });
    expect(image.config.mediaType).toBe('application/vnd.docker.container.image.v1+json');
    await client().pushImage('types/docker', 'v2', image);
    await expectManifest('types/docker', 'v2', image.manifest, DOCKER_MANIFEST);
    await expectManifest('types/docker', image.manifest.digest, image.manifest, DOCKER_MANIFEST);
  });

  it('stores and serves a Docker manifest list', async () => {
    const amd64 = dockerImage({ platform: { os: 'linux', architecture: 'amd64' } });
    const arm = dockerImage({ platform: { os: 'linux', architecture: 'arm' } });
    await client().pushImage('types/docker-list', amd64.manifest.digest, amd64);
    await client().pushImage('types/docker-list', arm.manifest.digest, arm);
    const list = ociIndex([
      { image: arm, platform: { os: 'linux', architecture: 'arm' } },
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
    ], DOCKER_LIST);
    const response = await client().pushManifest('types/docker-list', 'multi', list);
    expect(response.status).toBe(201);
    await expectManifest('types/docker-list', 'multi', list, `${DOCKER_MANIFEST}, ${DOCKER_LIST}`);
  });

  it('stores and serves an artifact with artifactType and subject', async () => {
    const image = ociImage();
    await client().pushImage('types/artifact', 'app', image);
    const payload = randomBlob(100, 'application/vnd.example.sbom.v1+json');
    await client().pushBlob('types/artifact', EMPTY_CONFIG);
    await client().pushBlob('types/artifact', payload);
    const sbom = artifact(image.manifest, 'application/vnd.example.sbom.v1', payload, { 'org.example.kind': 'sbom' });
    const response = await client().pushManifest('types/artifact', 'app-sbom', sbom);
    expect(response.status).toBe(201);
    expect(response.headers.get('oci-subject')).toBe(image.manifest.digest);
    await expectManifest('types/artifact', 'app-sbom', sbom, OCI_MANIFEST);
  });
});
