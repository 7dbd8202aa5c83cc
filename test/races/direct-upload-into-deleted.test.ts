import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BERTH_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { DynamoMetadataStore } from '../../lambdas/store/dynamo-metadata-store.js';
import { blob } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';

const registry = useRegistry();

async function berth(action: string, body: unknown): Promise<Response> {
  return send(await signedManagementRequest(registry(), `${BERTH_TARGET_PREFIX}${action}`, body));
}

/** Deletes the repository a blob is about to be linked into, once, just before the link is written. */
function deleteRepositoryBeforeNextLink(): void {
  const link = DynamoMetadataStore.prototype.linkBlob;
  vi.spyOn(DynamoMetadataStore.prototype, 'linkBlob').mockImplementationOnce(async function (this: DynamoMetadataStore, repository, blobLink) {
    await registry().store.deleteRepository(repository);
    return link.call(this, repository, blobLink);
  });
}

async function expectRepositoryNotFound(response: Response, repository: string): Promise<void> {
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({
    __type: 'RepositoryNotFoundException',
    message: `The repository with name '${repository}' does not exist in the registry with id '${registry().identity.accountId}'`,
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a direct upload whose repository is deleted under it', () => {
  it('is answered RepositoryNotFoundException by CompleteBlobUpload, and the blob is not served', async () => {
    const item = blob(randomBytes(4096));
    const started = await berth('InitiateBlobUpload', { repositoryName: 'races/direct', digest: item.digest, size: item.bytes.length });
    expect(started.status).toBe(200);
    const plan = (await started.json()) as { uploadId: string; put: { url: string; headers: Record<string, string> } };
    expect((await fetch(plan.put.url, { method: 'PUT', body: item.bytes, headers: plan.put.headers })).status).toBe(200);

    deleteRepositoryBeforeNextLink();
    await expectRepositoryNotFound(await berth('CompleteBlobUpload', { repositoryName: 'races/direct', uploadId: plan.uploadId }), 'races/direct');
    expect(await registry().store.getBlobLink('races/direct', item.digest)).toBeUndefined();
    expect((await clientOf(registry()).request('HEAD', `/v2/races/direct/blobs/${item.digest}`)).status).toBe(404);
  });

  it('is answered RepositoryNotFoundException by InitiateBlobUpload linking a blob another repository holds', async () => {
    const item = blob(randomBytes(2048));
    await clientOf(registry()).pushBlob('races/holder', item);
    deleteRepositoryBeforeNextLink();
    await expectRepositoryNotFound(await berth('InitiateBlobUpload', { repositoryName: 'races/mounted', digest: item.digest, size: item.bytes.length }), 'races/mounted');
    expect(await registry().store.getBlobLink('races/mounted', item.digest)).toBeUndefined();
  });
});
