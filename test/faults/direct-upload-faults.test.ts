import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DirectUploads } from '../../lambdas/management/direct-uploads.js';
import type { DirectUploadStore } from '../../lambdas/store/direct-upload-store.js';
import { objectKeys } from '../../lambdas/store/keys.js';
import { newRepository } from '../../lambdas/store/repository-defaults.js';
import { freshStores, objectTags } from '../support/backends.js';
import { failingOnce } from '../support/faults.js';
import { sha256 } from '../support/oci.js';

/**
 * Direct uploads (berth push) when S3 fails between verifying an upload and
 * adopting it, and when a completion races another or the local sweeper.
 */

const REPOSITORY = 'faults/direct';
/** Long after any upload started in these tests has expired. */
const LATER = Math.floor(Date.now() / 1000) + 7 * 24 * 3600;

/** Fresh stores holding the repository these tests upload into. */
async function storesWithRepository(): ReturnType<typeof freshStores> {
  const stores = await freshStores();
  await stores.store.createRepository(newRepository(REPOSITORY, new Date()));
  return stores;
}

/** Starts a direct upload of `bytes` and PUTs them to S3 as berth push does, without completing. */
async function uploaded(uploads: DirectUploads, bytes: Buffer): Promise<{ id: string; digest: string; objectKey: string }> {
  const digest = sha256(bytes);
  const plan = await uploads.start(REPOSITORY, digest, bytes.length);
  expect((await fetch(plan.put.url, { method: 'PUT', body: bytes, headers: plan.put.headers })).status).toBe(200);
  return { id: plan.uploadId, digest, objectKey: objectKeys.assembledBlob(plan.uploadId) };
}

/** The real store, where another party takes each record right after it is read. */
function takenOnRead(records: DirectUploadStore): DirectUploadStore {
  return new Proxy(records, {
    get(target, property, receiver) {
      if (property === 'getDirectUpload') {
        return async (id: string) => {
          const record = await target.getDirectUpload(id);
          await target.deleteDirectUpload(id);
          return record;
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('direct uploads under S3 faults and races', () => {
  it('removes the pending mark before the blob becomes visible: when that fails, no blob is, and the object stays pending', async () => {
    const { store, directUploads, blobs, bucket } = await storesWithRepository();
    const uploads = new DirectUploads(store, directUploads, failingOnce(blobs, 'unmarkPending', { count: 1 }), 60, () => new Date());
    const upload = await uploaded(uploads, randomBytes(1000));

    await expect(uploads.complete(REPOSITORY, upload.id)).rejects.toThrow('injected S3 failure');
    expect(await store.getBlob(upload.digest)).toBeUndefined();
    expect(await store.getBlobLink(REPOSITORY, upload.digest)).toBeUndefined();
    // Left to the bucket's lifecycle rule; the client starts again.
    expect(await objectTags(bucket, upload.objectKey)).toEqual({ 'berth-upload': 'pending' });
    await expect(uploads.complete(REPOSITORY, upload.id)).rejects.toMatchObject({ reason: 'unknown' });
  });

  it('refuses a completion whose upload another party took meanwhile, leaving the object to that party', async () => {
    const { store, directUploads, blobs } = await storesWithRepository();
    const bytes = randomBytes(1000);
    const upload = await uploaded(new DirectUploads(store, directUploads, blobs, 60, () => new Date()), bytes);

    const losing = new DirectUploads(store, takenOnRead(directUploads), blobs, 60, () => new Date());
    await expect(losing.complete(REPOSITORY, upload.id)).rejects.toMatchObject({ reason: 'unknown' });
    expect(await store.getBlob(upload.digest)).toBeUndefined();
    expect((await blobs.get(upload.objectKey)).equals(bytes)).toBe(true);
  });

  it('leaves to the completion an upload the sweeper listed as expired just before it was completed', async () => {
    const { store, directUploads, blobs, bucket } = await storesWithRepository();
    const uploads = new DirectUploads(store, directUploads, blobs, 60, () => new Date());
    const bytes = randomBytes(1000);
    const upload = await uploaded(uploads, bytes);

    const listed = await directUploads.expiredDirectUploads(LATER, 10);
    expect(listed.map((record) => record.id)).toEqual([upload.id]);
    await uploads.complete(REPOSITORY, upload.id);
    await uploads.discard(listed[0]!);
    expect((await blobs.get(upload.objectKey)).equals(bytes)).toBe(true);
    expect(await objectTags(bucket, upload.objectKey)).toEqual({});
    expect(await store.getBlobLink(REPOSITORY, upload.digest)).toMatchObject({ objectKey: upload.objectKey });
  });
});
