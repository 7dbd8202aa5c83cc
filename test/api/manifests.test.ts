import { describe, expect, it } from 'vitest';
import { errorCodes, errorList } from '../support/client.js';
import {
  EMPTY_CONFIG, artifact, blob, descriptor, dockerImage, ociImage, ociIndex, randomBlob, sha256, type Blob, type Image,
} from '../support/oci.js';
import { useRegistry, clientOf } from '../support/registry.js';

const registry = useRegistry();
/** A second registry where pushing to a missing repository is refused, as ECR without CREATE_ON_PUSH. */
const closedRegistry = useRegistry({ createOnPush: false });
const client = () => clientOf(registry());

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const MiB = 1024 * 1024;

async function bytesOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

/** GETs a manifest and checks the response is exactly `expected`, with its headers. */
async function expectManifest(repository: string, reference: string, expected: Blob, accept?: string): Promise<void> {
  const response = await client().request('GET', `/v2/${repository}/manifests/${reference}`, accept ? { headers: { accept } } : {});
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe(expected.mediaType);
  expect(response.headers.get('docker-content-digest')).toBe(expected.digest);
  expect(response.headers.get('content-length')).toBe(String(expected.bytes.length));
  const body = await bytesOf(response);
  expect(body.equals(expected.bytes)).toBe(true);
  expect(sha256(body)).toBe(expected.digest);
}

async function expectManifestUnknown(repository: string, reference: string): Promise<void> {
  const response = await client().request('GET', `/v2/${repository}/manifests/${reference}`);
  expect(response.status).toBe(404);
  expect(await errorCodes(response)).toEqual(['MANIFEST_UNKNOWN']);
}

async function tagsOf(repository: string): Promise<string[]> {
  const response = await client().request('GET', `/v2/${repository}/tags/list`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { tags: string[] }).tags;
}

/** An OCI image manifest whose annotation pads it to exactly `size` bytes. */
function paddedManifest(image: Image, size: number): Blob {
  const document = (pad: string) => JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor(image.config),
    layers: image.layers.map((layer) => descriptor(layer)),
    annotations: { 'org.example.padding': pad },
  });
  const overhead = Buffer.byteLength(document(''));
  const bytes = Buffer.from(document('x'.repeat(size - overhead)));
  expect(bytes.length).toBe(size);
  return blob(bytes, OCI_MANIFEST);
}

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

describe('manifest pull', () => {
  it('serves GET by tag and by digest with Content-Type, Content-Length and Docker-Content-Digest', async () => {
    const image = ociImage({ layerSizes: [100, 200] });
    await client().pushImage('pull/get', 'stable', image);
    await expectManifest('pull/get', 'stable', image.manifest);
    await expectManifest('pull/get', image.manifest.digest, image.manifest);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const image = ociImage();
    await client().pushImage('pull/head', 'stable', image);
    for (const reference of ['stable', image.manifest.digest]) {
      const response = await client().request('HEAD', `/v2/pull/head/manifests/${reference}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(OCI_MANIFEST);
      expect(response.headers.get('content-length')).toBe(String(image.manifest.bytes.length));
      expect(response.headers.get('docker-content-digest')).toBe(image.manifest.digest);
      expect((await bytesOf(response)).length).toBe(0);
    }
  });

  it('answers MANIFEST_UNKNOWN for an unknown tag or digest, on GET and HEAD', async () => {
    await client().pushImage('pull/missing', 'present', ociImage());
    await expectManifestUnknown('pull/missing', 'absent');
    await expectManifestUnknown('pull/missing', ociImage().manifest.digest);
    const head = await client().request('HEAD', '/v2/pull/missing/manifests/absent');
    expect(head.status).toBe(404);
  });

  it('answers NAME_UNKNOWN for a manifest in a repository that does not exist', async () => {
    const response = await client().request('GET', '/v2/pull/nowhere/manifests/latest');
    expect(response.status).toBe(404);
    expect(await errorCodes(response)).toEqual(['NAME_UNKNOWN']);
  });

  it('round-trips a manifest over 180 KiB, which is kept in S3, byte-exact by tag and digest', async () => {
    const image = ociImage();
    await client().pushBlobs('pull/large', image);
    const manifest = paddedManifest(image, 300 * 1024);
    const response = await client().pushManifest('pull/large', 'big', manifest);
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(manifest.digest);
    // Make sure this test covers the S3 path, not the inline one.
    expect((await registry().store.getManifest('pull/large', manifest.digest))?.objectKey).toBeDefined();

    await expectManifest('pull/large', 'big', manifest);
    await expectManifest('pull/large', manifest.digest, manifest);
    const head = await client().request('HEAD', '/v2/pull/large/manifests/big');
    expect(head.headers.get('content-length')).toBe(String(manifest.bytes.length));
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

describe('content negotiation', () => {
  async function pushOciIndex(repository: string): Promise<{ amd64: Image; arm64: Image; index: Blob }> {
    const arm64 = ociImage({ platform: { os: 'linux', architecture: 'arm64' } });
    const amd64 = ociImage({ platform: { os: 'linux', architecture: 'amd64' } });
    await client().pushImage(repository, arm64.manifest.digest, arm64);
    await client().pushImage(repository, amd64.manifest.digest, amd64);
    const index = ociIndex([
      { image: arm64, platform: { os: 'linux', architecture: 'arm64' } },
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    const response = await client().pushManifest(repository, 'multi', index);
    expect(response.status).toBe(201);
    return { amd64, arm64, index };
  }

  it('serves the linux/amd64 image of an index pulled by tag with only an image-manifest Accept', async () => {
    const { amd64 } = await pushOciIndex('negotiate/oci-index');
    await expectManifest('negotiate/oci-index', 'multi', amd64.manifest, OCI_MANIFEST);
    const head = await client().request('HEAD', '/v2/negotiate/oci-index/manifests/multi', { headers: { accept: OCI_MANIFEST } });
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(amd64.manifest.digest);
    expect(head.headers.get('content-type')).toBe(OCI_MANIFEST);
    expect(head.headers.get('content-length')).toBe(String(amd64.manifest.bytes.length));
  });

  it('serves the linux/amd64 image of a Docker manifest list pulled by tag with only the schema2 Accept', async () => {
    const amd64 = dockerImage({ platform: { os: 'linux', architecture: 'amd64' } });
    const s390x = dockerImage({ platform: { os: 'linux', architecture: 's390x' } });
    await client().pushImage('negotiate/docker-list', amd64.manifest.digest, amd64);
    await client().pushImage('negotiate/docker-list', s390x.manifest.digest, s390x);
    const list = ociIndex([
      { image: s390x, platform: { os: 'linux', architecture: 's390x' } },
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
    ], DOCKER_LIST);
    expect((await client().pushManifest('negotiate/docker-list', 'multi', list)).status).toBe(201);
    await expectManifest('negotiate/docker-list', 'multi', amd64.manifest, DOCKER_MANIFEST);
  });

  it('serves the index itself when the Accept header lists its type, with or without parameters', async () => {
    const { index } = await pushOciIndex('negotiate/listed');
    await expectManifest('negotiate/listed', 'multi', index, `${OCI_MANIFEST};q=0.5, ${OCI_INDEX};q=0.9`);
    await expectManifest('negotiate/listed', 'multi', index, '*/*');
  });

  it('never answers a pull by digest with a different manifest', async () => {
    // A client verifies the body against the digest it asked for; the child image would fail that.
    const { index } = await pushOciIndex('negotiate/by-digest');
    const response = await client().request('GET', `/v2/negotiate/by-digest/manifests/${index.digest}`, { headers: { accept: OCI_MANIFEST } });
    expect(response.status).toBe(404);
    expect(await errorCodes(response)).toEqual(['MANIFEST_UNKNOWN']);
  });

  it('answers MANIFEST_UNKNOWN when an index has no linux/amd64 image to fall back to', async () => {
    const arm64 = ociImage({ platform: { os: 'linux', architecture: 'arm64' } });
    await client().pushImage('negotiate/no-amd64', arm64.manifest.digest, arm64);
    const index = ociIndex([{ image: arm64, platform: { os: 'linux', architecture: 'arm64' } }]);
    expect((await client().pushManifest('negotiate/no-amd64', 'multi', index)).status).toBe(201);
    const response = await client().request('GET', '/v2/negotiate/no-amd64/manifests/multi', { headers: { accept: OCI_MANIFEST } });
    expect(response.status).toBe(404);
    expect(await errorCodes(response)).toEqual(['MANIFEST_UNKNOWN']);
  });

  it('answers MANIFEST_UNKNOWN for an OCI manifest requested with only Docker types', async () => {
    const image = ociImage();
    await client().pushImage('negotiate/docker-only', 'oci', image);
    const accept = `${DOCKER_MANIFEST}, ${DOCKER_LIST}`;
    for (const reference of ['oci', image.manifest.digest]) {
      const response = await client().request('GET', `/v2/negotiate/docker-only/manifests/${reference}`, { headers: { accept } });
      expect(response.status).toBe(404);
      expect(await errorCodes(response)).toEqual(['MANIFEST_UNKNOWN']);
    }
    const head = await client().request('HEAD', '/v2/negotiate/docker-only/manifests/oci', { headers: { accept } });
    expect(head.status).toBe(404);
  });
});

describe('manifest validation', () => {
  it('answers MANIFEST_BLOB_UNKNOWN with the digest for a missing layer, and stores nothing', async () => {
    const image = ociImage();
    await client().pushBlob('invalid/no-layer', image.config);
    const response = await client().pushManifest('invalid/no-layer', 'v1', image.manifest);
    expect(response.status).toBe(404);
    const errors = await errorList(response);
    expect(errors.map((error) => error.code)).toEqual(['MANIFEST_BLOB_UNKNOWN']);
    expect(errors[0]!.detail).toEqual({ digest: image.layers[0]!.digest });
    await expectManifestUnknown('invalid/no-layer', 'v1');
    await expectManifestUnknown('invalid/no-layer', image.manifest.digest);
  });

  it('reports each missing blob, the config included', async () => {
    const image = ociImage();
    await client().pushBlob('invalid/no-blobs', randomBlob(10));
    const response = await client().pushManifest('invalid/no-blobs', 'v1', image.manifest);
    expect(response.status).toBe(404);
    const errors = await errorList(response);
    expect(errors.map((error) => error.code)).toEqual(['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_BLOB_UNKNOWN']);
    expect(errors.map((error) => error.detail)).toEqual([{ digest: image.config.digest }, { digest: image.layers[0]!.digest }]);
  });

  it('answers MANIFEST_BLOB_UNKNOWN with the digest for a missing child of an index', async () => {
    const present = ociImage({ platform: { os: 'linux', architecture: 'amd64' } });
    const absent = ociImage({ platform: { os: 'linux', architecture: 'arm64' } });
    await client().pushImage('invalid/no-child', present.manifest.digest, present);
    const index = ociIndex([
      { image: present, platform: { os: 'linux', architecture: 'amd64' } },
      { image: absent, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    const response = await client().pushManifest('invalid/no-child', 'multi', index);
    expect(response.status).toBe(404);
    const errors = await errorList(response);
    expect(errors.map((error) => error.code)).toEqual(['MANIFEST_BLOB_UNKNOWN']);
    expect(errors[0]!.detail).toEqual({ digest: absent.manifest.digest });
    await expectManifestUnknown('invalid/no-child', 'multi');
  });

  it('answers MANIFEST_INVALID for a body that is not JSON', async () => {
    await client().pushBlob('invalid/json', randomBlob(1));
    const response = await client().pushManifest('invalid/json', 'v1', blob('{"schemaVersion": 2,', OCI_MANIFEST));
    expect(response.status).toBe(400);
    expect(await errorCodes(response)).toEqual(['MANIFEST_INVALID']);
    await expectManifestUnknown('invalid/json', 'v1');
  });

  it('answers MANIFEST_INVALID for a schemaVersion other than 2', async () => {
    const image = ociImage();
    await client().pushBlobs('invalid/schema', image);
    for (const schemaVersion of [1, 3, '2']) {
      const document = { ...(JSON.parse(image.manifest.bytes.toString()) as object), schemaVersion };
      const response = await client().pushManifest('invalid/schema', 'v1', blob(JSON.stringify(document), OCI_MANIFEST));
      expect(response.status).toBe(400);
      expect(await errorCodes(response)).toEqual(['MANIFEST_INVALID']);
    }
    await expectManifestUnknown('invalid/schema', 'v1');
  });

  it('answers MANIFEST_INVALID when Content-Type does not match the mediaType field', async () => {
    const image = ociImage();
    await client().pushBlobs('invalid/content-type', image);
    const response = await client().pushManifest('invalid/content-type', 'v1', { ...image.manifest, mediaType: DOCKER_MANIFEST });
    expect(response.status).toBe(400);
    expect(await errorCodes(response)).toEqual(['MANIFEST_INVALID']);
    await expectManifestUnknown('invalid/content-type', 'v1');
  });

  it('accepts a Content-Type with parameters when its type matches', async () => {
    const image = ociImage();
    await client().pushBlobs('invalid/content-type-params', image);
    const response = await client().request('PUT', '/v2/invalid/content-type-params/manifests/v1', {
      body: image.manifest.bytes,
      headers: { 'content-type': `${OCI_MANIFEST}; charset=utf-8` },
    });
    expect(response.status).toBe(201);
    await expectManifest('invalid/content-type-params', 'v1', image.manifest);
  });

  it('answers DIGEST_INVALID for a PUT by a digest the body does not have, and stores nothing', async () => {
    const image = ociImage();
    const other = ociImage();
    await client().pushBlobs('invalid/digest', image);
    const response = await client().pushManifest('invalid/digest', other.manifest.digest, image.manifest);
    expect(response.status).toBe(400);
    expect(await errorCodes(response)).toEqual(['DIGEST_INVALID']);
    await expectManifestUnknown('invalid/digest', other.manifest.digest);
    await expectManifestUnknown('invalid/digest', image.manifest.digest);
  });

  it('answers 413 for a manifest over 4 MiB that is within the request limit', async () => {
    const image = ociImage();
    await client().pushBlobs('invalid/too-large', image);
    const manifest = paddedManifest(image, 4 * MiB + 1);
    const response = await client().pushManifest('invalid/too-large', 'big', manifest);
    expect(response.status).toBe(413);
    const errors = await errorList(response);
    expect(errors).toHaveLength(1);
    // The manifest limit, not the request-body limit, refused it.
    expect(errors[0]!.message).toMatch(/manifest .*4 MiB/);
    await expectManifestUnknown('invalid/too-large', 'big');
  });

  it('accepts a manifest of exactly 4 MiB', async () => {
    const image = ociImage();
    await client().pushBlobs('invalid/at-limit', image);
    const manifest = paddedManifest(image, 4 * MiB);
    const response = await client().pushManifest('invalid/at-limit', 'big', manifest);
    expect(response.status).toBe(201);
    await expectManifest('invalid/at-limit', 'big', manifest);
  });

  it('stores a 1 MB manifest of 7,000 layers and serves it byte-exact', async () => {
    // More distinct blobs than one DynamoDB transaction has items, each listed many times.
    const blobs = Array.from({ length: 150 }, () => randomBlob(16, 'application/vnd.oci.image.layer.v1.tar+gzip'));
    const config = blob('{"architecture":"amd64","os":"linux"}', 'application/vnd.oci.image.config.v1+json');
    for (const item of [config, ...blobs]) await client().pushBlob('invalid/many-layers', item);
    const manifest = blob(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: descriptor(config),
      layers: Array.from({ length: 7000 }, (_, index) => descriptor(blobs[index % blobs.length]!)),
    }), OCI_MANIFEST);
    expect(manifest.bytes.length).toBeGreaterThan(MiB * 0.9);
    const response = await client().pushManifest('invalid/many-layers', 'wide', manifest);
    expect(response.status).toBe(201);
    await expectManifest('invalid/many-layers', 'wide', manifest);
    await expectManifest('invalid/many-layers', manifest.digest, manifest);
  });

  it('answers MANIFEST_INVALID for an index of more than 90 distinct manifests, and stores nothing', async () => {
    const children = Array.from({ length: 91 }, () => ociImage().manifest);
    const index = blob(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children.map((child) => descriptor(child)) }), OCI_INDEX);
    const response = await client().pushManifest('invalid/wide-index', 'multi', index);
    expect(response.status).toBe(400);
    const errors = await errorList(response);
    expect(errors.map((error) => error.code)).toEqual(['MANIFEST_INVALID']);
    expect(errors[0]!.message).toContain('at most 90');
    // Refused before anything was written, the repository create-on-push would make included.
    const pulled = await client().request('GET', `/v2/invalid/wide-index/manifests/${index.digest}`);
    expect(await errorCodes(pulled)).toEqual(['NAME_UNKNOWN']);
  });

  it('answers TAG_INVALID for a malformed tag in the path or in ?tag=, and stores nothing', async () => {
    const image = ociImage();
    await client().pushBlobs('invalid/tag', image);
    for (const tag of ['.hidden', '-dash', 'a'.repeat(129)]) {
      const response = await client().pushManifest('invalid/tag', tag, image.manifest);
      expect(response.status).toBe(400);
      expect(await errorCodes(response)).toEqual(['TAG_INVALID']);
    }
    const response = await client().request('PUT', `/v2/invalid/tag/manifests/${image.manifest.digest}?tag=good&tag=bad!`, {
      body: image.manifest.bytes,
      headers: { 'content-type': OCI_MANIFEST },
    });
    expect(response.status).toBe(400);
    expect(await errorCodes(response)).toEqual(['TAG_INVALID']);
    await expectManifestUnknown('invalid/tag', 'good');
    await expectManifestUnknown('invalid/tag', image.manifest.digest);
  });

  it('accepts a tag of the maximum length of 128 characters', async () => {
    const image = ociImage();
    const tag = `A_${'9.-'.repeat(42)}`;
    expect(tag).toHaveLength(128);
    await client().pushImage('invalid/long-tag', tag, image);
    await expectManifest('invalid/long-tag', tag, image.manifest);
  });
});

describe('manifest deletion', () => {
  it('deletes a tag with 202 and keeps the manifest and its other tags', async () => {
    const image = ociImage();
    await client().pushBlobs('delete/tag', image);
    await client().request('PUT', `/v2/delete/tag/manifests/${image.manifest.digest}?tag=one&tag=two`, {
      body: image.manifest.bytes,
      headers: { 'content-type': OCI_MANIFEST },
    });
    const response = await client().request('DELETE', '/v2/delete/tag/manifests/one');
    expect(response.status).toBe(202);
    await expectManifestUnknown('delete/tag', 'one');
    await expectManifest('delete/tag', image.manifest.digest, image.manifest);
    await expectManifest('delete/tag', 'two', image.manifest);
    expect(await tagsOf('delete/tag')).toEqual(['two']);

    const again = await client().request('DELETE', '/v2/delete/tag/manifests/one');
    expect(again.status).toBe(404);
    expect(await errorCodes(again)).toEqual(['MANIFEST_UNKNOWN']);
  });

  it('deletes a manifest by digest with its tags and its referrer entry', async () => {
    const image = ociImage();
    await client().pushImage('delete/digest', 'app', image);
    const payload = randomBlob(50, 'application/vnd.example.sbom.v1+json');
    await client().pushBlob('delete/digest', EMPTY_CONFIG);
    await client().pushBlob('delete/digest', payload);
    const sbom = artifact(image.manifest, 'application/vnd.example.sbom.v1', payload);
    await client().request('PUT', `/v2/delete/digest/manifests/${sbom.digest}?tag=sbom&tag=sbom-latest`, {
      body: sbom.bytes,
      headers: { 'content-type': OCI_MANIFEST },
    });
    const referrers = async () => {
      const response = await client().request('GET', `/v2/delete/digest/referrers/${image.manifest.digest}`);
      return ((await response.json()) as { manifests: { digest: string }[] }).manifests.map((entry) => entry.digest);
    };
    expect(await referrers()).toEqual([sbom.digest]);

    const response = await client().request('DELETE', `/v2/delete/digest/manifests/${sbom.digest}`);
    expect(response.status).toBe(202);
    await expectManifestUnknown('delete/digest', sbom.digest);
    await expectManifestUnknown('delete/digest', 'sbom');
    await expectManifestUnknown('delete/digest', 'sbom-latest');
    expect(await tagsOf('delete/digest')).toEqual(['app']);
    expect(await referrers()).toEqual([]);
    // The subject is untouched.
    await expectManifest('delete/digest', 'app', image.manifest);
  });

  it('keeps a tag that has moved on to another manifest when the old one is deleted by digest', async () => {
    const old = ociImage();
    const current = ociImage();
    await client().pushImage('delete/moved', 'latest', old);
    await client().pushImage('delete/moved', 'latest', current);
    expect((await client().request('DELETE', `/v2/delete/moved/manifests/${old.manifest.digest}`)).status).toBe(202);
    await expectManifestUnknown('delete/moved', old.manifest.digest);
    await expectManifest('delete/moved', 'latest', current.manifest);
  });

  it('answers DENIED to deleting a manifest an index lists, until the index is deleted', async () => {
    const amd64 = ociImage({ platform: { os: 'linux', architecture: 'amd64' } });
    const arm64 = ociImage({ platform: { os: 'linux', architecture: 'arm64' } });
    await client().pushImage('delete/listed', 'amd64', amd64);
    await client().pushImage('delete/listed', 'arm64', arm64);
    const index = ociIndex([
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm64, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    expect((await client().pushManifest('delete/listed', 'multi', index)).status).toBe(201);

    const refused = await client().request('DELETE', `/v2/delete/listed/manifests/${amd64.manifest.digest}`);
    expect(refused.status).toBe(403);
    const errors = await errorList(refused);
    expect(errors.map((error) => error.code)).toEqual(['DENIED']);
    expect(errors[0]!.message).toContain(index.digest);
    await expectManifest('delete/listed', amd64.manifest.digest, amd64.manifest);
    // Deleting its tag is fine: the index still has its child.
    expect((await client().request('DELETE', '/v2/delete/listed/manifests/amd64')).status).toBe(202);
    await expectManifest('delete/listed', 'multi', index, OCI_INDEX);

    expect((await client().request('DELETE', `/v2/delete/listed/manifests/${index.digest}`)).status).toBe(202);
    expect((await client().request('DELETE', `/v2/delete/listed/manifests/${amd64.manifest.digest}`)).status).toBe(202);
    await expectManifestUnknown('delete/listed', amd64.manifest.digest);
  });

  it('answers MANIFEST_UNKNOWN when deleting an unknown digest, and NAME_UNKNOWN in an unknown repository', async () => {
    await client().pushImage('delete/unknown', 'v1', ociImage());
    const response = await client().request('DELETE', `/v2/delete/unknown/manifests/${ociImage().manifest.digest}`);
    expect(response.status).toBe(404);
    expect(await errorCodes(response)).toEqual(['MANIFEST_UNKNOWN']);
    const nowhere = await client().request('DELETE', '/v2/delete/nowhere/manifests/v1');
    expect(nowhere.status).toBe(404);
    expect(await errorCodes(nowhere)).toEqual(['NAME_UNKNOWN']);
  });
});

describe('repository names', () => {
  it('answers NAME_UNKNOWN for a push to a missing repository when create-on-push is off', async () => {
    const closed = clientOf(closedRegistry());
    const image = ociImage();
    const response = await closed.pushManifest('closed/app', 'v1', image.manifest);
    expect(response.status).toBe(404);
    const errors = await errorList(response);
    expect(errors.map((error) => error.code)).toEqual(['NAME_UNKNOWN']);
    expect(errors[0]!.detail).toEqual({ name: 'closed/app' });
    const catalog = await closed.request('GET', '/v2/_catalog');
    expect(((await catalog.json()) as { repositories: string[] }).repositories).toEqual([]);
  });

  it('answers NAME_INVALID for a name outside the grammar', async () => {
    const image = ociImage();
    for (const name of ['Upper/app', 'team/App', 'team//app', 'team/app-', '-team/app']) {
      const put = await client().pushManifest(name, 'v1', image.manifest);
      expect(put.status).toBe(400);
      expect(await errorCodes(put)).toEqual(['NAME_INVALID']);
    }
    const get = await client().request('GET', '/v2/Upper/app/manifests/v1');
    expect(get.status).toBe(400);
    expect(await errorCodes(get)).toEqual(['NAME_INVALID']);
  });

  it('serves nested names such as team/app/api', async () => {
    const image = ociImage();
    await client().pushBlobs('team/app/api', image);
    const response = await client().pushManifest('team/app/api', 'v1', image.manifest);
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/v2/team/app/api/manifests/${image.manifest.digest}`);
    await expectManifest('team/app/api', 'v1', image.manifest);
    await expectManifest('team/app/api', image.manifest.digest, image.manifest);
    // team/app is a repository of its own, which nothing created.
    const parent = await client().request('GET', `/v2/team/app/manifests/${image.manifest.digest}`);
    expect(parent.status).toBe(404);
    expect(await errorCodes(parent)).toEqual(['NAME_UNKNOWN']);
  });

  it('serves a repository with a manifests component in its name', async () => {
    for (const name of ['team/manifests/app', 'team/manifests']) {
      const image = ociImage();
      await client().pushBlobs(name, image);
      const response = await client().pushManifest(name, 'manifests', image.manifest);
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(`/v2/${name}/manifests/${image.manifest.digest}`);
      await expectManifest(name, 'manifests', image.manifest);
      await expectManifest(name, image.manifest.digest, image.manifest);
      expect(await tagsOf(name)).toEqual(['manifests']);
      expect((await client().request('DELETE', `/v2/${name}/manifests/manifests`)).status).toBe(202);
      await expectManifestUnknown(name, 'manifests');
    }
  });
});
