import { describe, expect, it } from 'vitest';
import { errorCodes, errorList } from '../support/client.js';
import { DOCKER_MANIFEST, manifestChecks, OCI_INDEX, OCI_MANIFEST, paddedManifest } from '../support/manifests.js';
import { blob, descriptor, ociImage, ociIndex, randomBlob } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';

/** Manifests the registry refuses, and the limits it accepts. */

const registry = useRegistry();
const client = () => clientOf(registry());
const { expectManifest, expectManifestUnknown } = manifestChecks(client);
const MiB = 1024 * 1024;

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
