import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UploadConflictError } from '../../lambdas/store/errors.js';
import type { MetadataStore } from '../../lambdas/store/metadata-store.js';
import type { ManifestRecord, UploadSession } from '../../lambdas/store/records.js';
import { newRepository } from '../../lambdas/store/repository-defaults.js';
import { sha256 } from '../support/oci.js';

/** What every MetadataStore adapter must do; run against each real adapter. */
export function metadataStoreContract(adapter: string, create: () => Promise<MetadataStore>): void {
  const digest = (seed: string) => sha256(Buffer.from(seed));
  const manifest = (seed: string, extra: Partial<ManifestRecord> = {}): ManifestRecord => ({
    digest: digest(seed), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 2, pushedAt: new Date().toISOString(),
    blobs: [digest(`${seed}-config`)], children: [], body: Buffer.from('{}'), ...extra,
  } as ManifestRecord);
  const session = (offset = 0): UploadSession => ({
    id: randomUUID(), repository: 'r', offset, hashState: new Uint8Array([1, 2, 3]),
    createdAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + 60,
  });

  describe(`MetadataStore contract: ${adapter}`, () => {
    it('creates a repository once and lists repositories in lexical order with paging', async () => {
      const store = await create();
      const created = new Date('2026-01-01T00:00:00Z');
      for (const name of ['b/two', 'a', 'c', 'b/one']) expect(await store.createRepository(newRepository(name, created))).toBe(true);
      expect(await store.createRepository(newRepository('a', new Date()))).toBe(false);
      expect((await store.getRepository('a'))?.createdAt).toBe(created.toISOString());
      expect(await store.listRepositories(undefined, 2)).toEqual({ items: ['a', 'b/one'], more: true });
      expect(await store.listRepositories('b/one', 2)).toEqual({ items: ['b/two', 'c'], more: false });
    });

    it('updates a repository without losing concurrent changes', async () => {
      const store = await create();
      await store.createRepository(newRepository('settings', new Date()));
      await Promise.all(['k1', 'k2', 'k3'].map((Key) => store.updateRepository('settings', (record) => ({
        ...record, tags: [...record.tags, { Key, Value: 'v' }],
      }))));
      const record = await store.getRepository('settings');
      expect(record?.tags.map((tag) => tag.Key).sort()).toEqual(['k1', 'k2', 'k3']);
      expect(record?.version).toBe(4);
      expect(await store.updateRepository('missing', (r) => r)).toBeUndefined();
    });

    it('deletes a repository with its tags, manifests, links and catalog entry', async () => {
      const store = await create();
      await store.createRepository(newRepository('doomed', new Date()));
      expect(await store.hasManifests('doomed')).toBe(false);
      await store.linkBlob('doomed', { digest: digest('layer'), size: 1, objectKey: 'k' });
      await store.putManifest('doomed', manifest('img'), ['v1']);
      expect(await store.hasManifests('doomed')).toBe(true);

      expect((await store.deleteRepository('doomed'))?.name).toBe('doomed');
      expect(await store.getRepository('doomed')).toBeUndefined();
      expect(await store.getTag('doomed', 'v1')).toBeUndefined();
      expect(await store.getBlobLink('doomed', digest('layer'))).toBeUndefined();
      expect(await store.repositoriesWithBlob(digest('layer'), 5)).toEqual([]);
      expect((await store.listRepositories(undefined, 10)).items).not.toContain('doomed');
      expect(await store.deleteRepository('doomed')).toBeUndefined();
    });

    it('keeps blob records once and links per repository, with reverse links', async () => {
      const store = await create();
      const record = { digest: digest('blob'), size: 4, objectKey: 'blobs/x', createdAt: 'now' };
      expect(await store.putBlob(record)).toBe(true);
      expect(await store.putBlob({ ...record, objectKey: 'other' })).toBe(false);
      expect((await store.getBlob(record.digest))?.objectKey).toBe('blobs/x');

      await store.linkBlob('repo-a', { digest: record.digest, size: 4, objectKey: 'blobs/x' });
      expect(await store.getBlobLink('repo-a', record.digest)).toEqual({ digest: record.digest, size: 4, objectKey: 'blobs/x' });
      expect(await store.getBlobLink('repo-b', record.digest)).toBeUndefined();
      expect(await store.repositoriesWithBlob(record.digest, 5)).toEqual(['repo-a']);
      expect([...(await store.getBlobLinks('repo-a', [record.digest, digest('none')])).keys()]).toEqual([record.digest]);
      expect(await store.unlinkBlob('repo-a', record.digest)).toBe(true);
      expect(await store.unlinkBlob('repo-a', record.digest)).toBe(false);
      expect(await store.repositoriesWithBlob(record.digest, 5)).toEqual([]);
    });

    it('stores manifests with tags and referrers atomically, and deletes them together', async () => {
      const store = await create();
      const subject = manifest('subject');
      const referrer = manifest('sig', { subject: subject.digest, artifactType: 'application/x.sig' });
      await store.putManifest('r', subject, ['v1', 'latest']);
      await store.putManifest('r', referrer, [], {
        subject: subject.digest,
        descriptor: { mediaType: referrer.mediaType, digest: referrer.digest, size: 2, artifactType: 'application/x.sig' },
      });
      expect((await store.getTag('r', 'latest'))?.digest).toBe(subject.digest);
      expect((await store.getTag('r', 'latest'))?.body).toEqual(Buffer.from('{}'));
      expect(await store.listTags('r', undefined, 10)).toEqual({ items: ['latest', 'v1'], more: false });
      expect((await store.listReferrers('r', subject.digest)).map((entry) => entry.descriptor.digest)).toEqual([referrer.digest]);
      expect([...(await store.getManifests('r', [subject.digest, referrer.digest])).keys()].sort()).toEqual([subject.digest, referrer.digest].sort());

      expect(await store.deleteTag('r', 'v1')).toBe(true);
      expect(await store.deleteTag('r', 'v1')).toBe(false);
      expect(await store.getManifest('r', subject.digest)).toBeDefined();

      expect(await store.deleteManifest('r', referrer.digest)).toBe(true);
      expect(await store.listReferrers('r', subject.digest)).toEqual([]);
      expect(await store.deleteManifest('r', subject.digest)).toBe(true);
      expect(await store.getTag('r', 'latest')).toBeUndefined();
      expect(await store.deleteManifest('r', subject.digest)).toBe(false);
    });

    it('keeps manifests stored by object key without a body', async () => {
      const store = await create();
      const record = manifest('big', { body: undefined, objectKey: 'manifests/sha256/x' } as Partial<ManifestRecord>);
      await store.putManifest('r', record, ['big']);
      const tag = await store.getTag('r', 'big');
      expect(tag?.body).toBeUndefined();
      expect(tag?.objectKey).toBe('manifests/sha256/x');
    });

    it('lets one request at a time hold an upload session, at the expected offset', async () => {
      const store = await create();
      const upload = session();
      await store.createUpload(upload);
      expect((await store.getUpload(upload.id))?.hashState).toEqual(new Uint8Array([1, 2, 3]));

      const now = Math.floor(Date.now() / 1000);
      await store.claimUpload(upload.id, 0, 'lease-1', now + 60, now);
      await expect(store.claimUpload(upload.id, 0, 'lease-2', now + 60, now)).rejects.toBeInstanceOf(UploadConflictError);
      await expect(store.saveUpload({ ...upload, offset: 10 }, 'lease-2')).rejects.toBeInstanceOf(UploadConflictError);
      await store.saveUpload({ ...upload, offset: 10 }, 'lease-1');
      expect((await store.getUpload(upload.id))?.offset).toBe(10);

      // The save released the lease; a claim at a stale offset still fails.
      await expect(store.claimUpload(upload.id, 0, 'lease-3', now + 60, now)).rejects.toBeInstanceOf(UploadConflictError);
      await store.claimUpload(upload.id, 10, 'lease-3', now + 60, now);
      // An expired lease can be taken over.
      await store.claimUpload(upload.id, 10, 'lease-4', now + 120, now + 61);
    });

    it('finds expired upload sessions and deletes sessions', async () => {
      const store = await create();
      const expired = { ...session(), expiresAt: 100 };
      const live = session();
      await store.createUpload(expired);
      await store.createUpload(live);
      const found = await store.expiredUploads(Math.floor(Date.now() / 1000), 10);
      expect(found.map((item) => item.id)).toEqual([expired.id]);
      await store.deleteUpload(expired.id);
      expect(await store.getUpload(expired.id)).toBeUndefined();
    });
  });
}
