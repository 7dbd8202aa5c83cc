import { describe, expect, it } from 'vitest';
import { errorCodes, errorList } from '../support/client.js';
import { manifestChecks, OCI_INDEX, OCI_MANIFEST } from '../support/manifests.js';
import { EMPTY_CONFIG, artifact, ociImage, ociIndex, randomBlob } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';

/** Deleting tags and manifests. */

const registry = useRegistry();
const client = () => clientOf(registry());
const { expectManifest, expectManifestUnknown, tagsOf } = manifestChecks(client);

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
