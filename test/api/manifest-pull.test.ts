import { describe, expect, it } from 'vitest';
import { errorCodes } from '../support/client.js';
import { bytesOf, DOCKER_LIST, DOCKER_MANIFEST, manifestChecks, OCI_INDEX, OCI_MANIFEST, paddedManifest } from '../support/manifests.js';
import { dockerImage, ociImage, ociIndex, type Blob, type Image } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';

/** Pulling manifests: by tag and digest, from S3 when large, and content negotiation. */

const registry = useRegistry();
const client = () => clientOf(registry());
const { expectManifest, expectManifestUnknown } = manifestChecks(client);

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
