import { PutImageCommand } from '@aws-sdk/client-ecr';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynamoMetadataStore } from '../../lambdas/store/dynamo-metadata-store.js';
import { ecrClient } from '../support/aws-cli.js';
import { errorCodes } from '../support/client.js';
import { ociImage, ociIndex } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';

const registry = useRegistry();

/** Runs `meddle` after the push has checked the repository and its references, just before the manifest is written. */
function beforeNextManifestWrite(meddle: (repository: string) => Promise<unknown>): void {
  const write = DynamoMetadataStore.prototype.putManifest;
  vi.spyOn(DynamoMetadataStore.prototype, 'putManifest').mockImplementationOnce(async function (this: DynamoMetadataStore, repository, manifest) {
    await meddle(repository);
    return write.call(this, repository, manifest);
  });
}

function deleteRepositoryBeforeNextManifestWrite(): void {
  beforeNextManifestWrite((repository) => registry().store.deleteRepository(repository));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a manifest push whose repository is deleted under it', () => {
  it('is answered NAME_UNKNOWN on the OCI API, and nothing of it is served', async () => {
    const client = clientOf(registry());
    const image = ociImage();
    await clientOf(registry()).pushBlobs('races/vanishing', image);
    deleteRepositoryBeforeNextManifestWrite();
    const response = await client.pushManifest('races/vanishing', 'v1', image.manifest);
    expect(response.status).toBe(404);
    expect(await errorCodes(response)).toEqual(['NAME_UNKNOWN']);
    expect(await registry().store.getTag('races/vanishing', 'v1')).toBeUndefined();
    expect(await registry().store.getManifest('races/vanishing', image.manifest.digest)).toBeUndefined();
  });

  it('is answered RepositoryNotFoundException by PutImage', async () => {
    const image = ociImage();
    await clientOf(registry()).pushBlobs('races/vanishing-ecr', image);
    deleteRepositoryBeforeNextManifestWrite();
    await expect(ecrClient(registry()).send(new PutImageCommand({
      repositoryName: 'races/vanishing-ecr', imageManifest: image.manifest.bytes.toString('utf8'), imageTag: 'v1',
    }))).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
    expect(await registry().store.getTag('races/vanishing-ecr', 'v1')).toBeUndefined();
  });
});

describe('a manifest push whose references are deleted under it', () => {
  it('is answered MANIFEST_BLOB_UNKNOWN for a blob deleted meanwhile, and nothing of it is served', async () => {
    const client = clientOf(registry());
    const image = ociImage({ layerSizes: [100, 200] });
    await clientOf(registry()).pushBlobs('races/unlinked', image);
    beforeNextManifestWrite((repository) => client.request('DELETE', `/v2/${repository}/blobs/${image.layers[1]!.digest}`));
    const response = await client.pushManifest('races/unlinked', 'v1', image.manifest);
    expect(response.status).toBe(404);
    expect(await errorCodes(response)).toEqual(['MANIFEST_BLOB_UNKNOWN']);
    expect(await registry().store.getTag('races/unlinked', 'v1')).toBeUndefined();
  });

  it('is answered MANIFEST_BLOB_UNKNOWN for a child of an index deleted meanwhile', async () => {
    const client = clientOf(registry());
    const child = ociImage();
    await client.pushImage('races/orphaned', child.manifest.digest, child);
    const index = ociIndex([{ image: child, platform: { os: 'linux', architecture: 'amd64' } }]);
    beforeNextManifestWrite((repository) => client.request('DELETE', `/v2/${repository}/manifests/${child.manifest.digest}`));
    const response = await client.pushManifest('races/orphaned', 'multi', index);
    expect(response.status).toBe(404);
    expect(await errorCodes(response)).toEqual(['MANIFEST_BLOB_UNKNOWN']);
    expect(await registry().store.getTag('races/orphaned', 'multi')).toBeUndefined();
  });
});
