import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ImmutableTagError, ManifestReferencedError, ReferencesMissingError, RepositoryNotEmptyError, RepositoryNotFoundError, TooManyTagChangesError,
  UploadConflictError,
} from '../../lambdas/store/errors.js';
import { BlobCollectedError } from '../../lambdas/store/gc-errors.js';
import type { ManifestWrite, MetadataStore } from '../../lambdas/store/metadata-store.js';
import type { BlobLink, ManifestRecord, UploadSession } from '../../lambdas/store/records.js';
import { newRepository } from '../../lambdas/store/repository-defaults.js';
import { sha256 } from '../support/oci.js';

/** What every MetadataStore adapter must do; run against each real adapter. */
export function metadataStoreContract(adapter: string, create: () => Promise<MetadataStore>): void {
  const digest = (seed: string) => sha256(Buffer.from(seed));
  const manifest = (seed: string, extra: Partial<ManifestRecord> = {}): ManifestRecord => ({
    digest: digest(seed), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 2, pushedAt: new Date().toISOString(),
    imageSize: 10, children: [], body: Buffer.from('{}'), ...extra,
  } as ManifestRecord);
  /** Pushes into the repository, creating it first; the records reference no blobs unless `write` says so. */
  const push = async (store: MetadataStore, repository: string, record: ManifestRecord, tags: string[], write: Partial<ManifestWrite> = {}) => {
    await store.createRepository(newRepository(repository, new Date()));
    await store.putManifest(repository, { manifest: record, blobs: [], tags, ...write });
  };
  /** Links a blob into the repository, recording it first: a link needs the blob's record. */
  const linkStored = async (store: MetadataStore, repository: string, link: BlobLink) => {
    await store.putBlob({ ...link, createdAt: new Date().toISOString() });
    await store.linkBlob(repository, link);
  };
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
      await linkStored(store, 'doomed', { digest: digest('layer'), size: 1, objectKey: 'k' });
      await push(store, 'doomed', manifest('img'), ['v1'], { blobs: [{ digest: digest('layer'), size: 1 }] });
      await expect(store.deleteRepository('doomed', { ifEmpty: true })).rejects.toBeInstanceOf(RepositoryNotEmptyError);
      // The refused delete left the repository as it was, taking pushes.
      await push(store, 'doomed', manifest('img-2'), ['v2']);

      expect((await store.deleteRepository('doomed'))?.name).toBe('doomed');
      expect(await store.getRepository('doomed')).toBeUndefined();
      expect(await store.getTag('doomed', 'v1')).toBeUndefined();
      expect(await store.getBlobLink('doomed', digest('layer'))).toBeUndefined();
      expect(await store.repositoriesWithBlob(digest('layer'), 5)).toEqual([]);
      expect((await store.listRepositories(undefined, 10)).items).not.toContain('doomed');
      expect(await store.deleteRepository('doomed')).toBeUndefined();
    });

    it('writes nothing into a repository that does not exist or is being deleted, and a new one of the name starts empty', async () => {
      const store = await create();
      const link = { digest: digest('gone-layer'), size: 1, objectKey: 'k' };
      await expect(store.putManifest('nowhere', { manifest: manifest('nowhere'), blobs: [], tags: ['v1'] })).rejects.toBeInstanceOf(RepositoryNotFoundError);
      await expect(store.linkBlob('nowhere', link)).rejects.toBeInstanceOf(RepositoryNotFoundError);
      expect(await store.getTag('nowhere', 'v1')).toBeUndefined();
      expect(await store.getBlobLink('nowhere', link.digest)).toBeUndefined();

      await push(store, 'again', manifest('old'), ['latest']);
      await linkStored(store, 'again', link);
      await store.deleteRepository('again');
      await expect(store.putManifest('again', { manifest: manifest('late'), blobs: [], tags: ['late'] })).rejects.toBeInstanceOf(RepositoryNotFoundError);
      expect(await store.createRepository(newRepository('again', new Date()))).toBe(true);
      expect(await store.listTags('again', undefined, 10)).toEqual({ items: [], more: false });
      expect((await store.listManifests('again', undefined, 10)).items).toEqual([]);
      expect(await store.getBlobLink('again', link.digest)).toBeUndefined();
    });

    it('refuses a manifest whose blobs are not linked at the declared size, however many it lists', async () => {
      const store = await create();
      await store.createRepository(newRepository('blobs', new Date()));
      const links = Array.from({ length: 150 }, (_, i) => ({ digest: digest(`many-${i}`), size: i, objectKey: `k${i}` }));
      for (const link of links) await linkStored(store, 'blobs', link);
      const blobs = links.map(({ digest: d, size }) => ({ digest: d, size }));
      // More blobs than a transaction has items: the push still checks every one.
      await store.putManifest('blobs', { manifest: manifest('many'), blobs, tags: ['many'] });
      expect((await store.getTag('blobs', 'many'))?.digest).toBe(digest('many'));

      const wrongSize = [...blobs.slice(1), { digest: blobs[0]!.digest, size: 99 }];
      await expect(store.putManifest('blobs', { manifest: manifest('wrong'), blobs: wrongSize, tags: ['wrong'] }))
        .rejects.toMatchObject({ name: 'ReferencesMissingError', blobs: [blobs[0]!.digest], children: [] });
      expect(await store.unlinkBlob('blobs', blobs[7]!.digest)).toBe(true);
      await expect(store.putManifest('blobs', { manifest: manifest('unlinked'), blobs, tags: ['unlinked'] }))
        .rejects.toBeInstanceOf(ReferencesMissingError);
      expect(await store.getTag('blobs', 'wrong')).toBeUndefined();
      expect(await store.getManifest('blobs', digest('unlinked'))).toBeUndefined();
    });

    it('records an index in its children, and keeps a child while an index lists it', async () => {
      const store = await create();
      const [amd, arm] = [manifest('child-amd'), manifest('child-arm')];
      await push(store, 'multi', amd, ['latest']);
      await push(store, 'multi', arm, ['arm']);
      const index = manifest('index', { mediaType: 'application/vnd.oci.image.index.v1+json', children: [amd.digest, arm.digest] });
      await expect(push(store, 'multi', manifest('broken-index', { children: [amd.digest, digest('absent')] }), []))
        .rejects.toMatchObject({ name: 'ReferencesMissingError', blobs: [], children: [digest('absent')] });
      // `latest` moves from a child to the index: one update of the child's item does both.
      await push(store, 'multi', index, ['latest']);
      expect(await store.getManifest('multi', amd.digest)).toMatchObject({ tags: [], listedBy: [index.digest] });
      expect((await store.getManifest('multi', index.digest))?.children).toEqual([amd.digest, arm.digest]);

      await expect(store.deleteManifest('multi', amd.digest)).rejects.toBeInstanceOf(ManifestReferencedError);
      // Its last tag goes, the listed manifest stays.
      expect(await store.deleteTag('multi', 'arm', { deleteUntaggedManifest: true })).toBe(arm.digest);
      expect(await store.getManifest('multi', arm.digest)).toMatchObject({ tags: [], listedBy: [index.digest] });

      expect(await store.deleteManifest('multi', index.digest)).toEqual(['latest']);
      expect((await store.getManifest('multi', amd.digest))?.listedBy).toEqual([]);
      expect(await store.deleteManifest('multi', amd.digest)).toEqual([]);
      expect(await store.deleteManifest('multi', arm.digest)).toEqual([]);
    });

    it('keeps blob records once and links per repository, with reverse links', async () => {
      const store = await create();
      const record = { digest: digest('blob'), size: 4, objectKey: 'blobs/x', createdAt: 'now' };
      expect(await store.putBlob(record)).toBe(true);
      expect(await store.putBlob({ ...record, objectKey: 'other' })).toBe(false);
      expect((await store.getBlob(record.digest))?.objectKey).toBe('blobs/x');

      await store.createRepository(newRepository('repo-a', new Date()));
      await store.linkBlob('repo-a', { digest: record.digest, size: 4, objectKey: 'blobs/x' });
      expect(await store.getBlobLink('repo-a', record.digest)).toEqual({ digest: record.digest, size: 4, objectKey: 'blobs/x' });
      expect(await store.getBlobLink('repo-b', record.digest)).toBeUndefined();
      expect(await store.repositoriesWithBlob(record.digest, 5)).toEqual(['repo-a']);
      expect([...(await store.getBlobLinks('repo-a', [record.digest, digest('none')])).keys()]).toEqual([record.digest]);
      expect(await store.unlinkBlob('repo-a', record.digest)).toBe(true);
      expect(await store.unlinkBlob('repo-a', record.digest)).toBe(false);
      expect(await store.repositoriesWithBlob(record.digest, 5)).toEqual([]);
    });

    it('links a blob only while its record exists', async () => {
      const store = await create();
      await store.createRepository(newRepository('collected', new Date()));
      const link = { digest: digest('never-recorded'), size: 3, objectKey: 'blobs/uploads/gone' };
      await expect(store.linkBlob('collected', link)).rejects.toBeInstanceOf(BlobCollectedError);
      expect(await store.getBlobLink('collected', link.digest)).toBeUndefined();
      expect(await store.repositoriesWithBlob(link.digest, 5)).toEqual([]);
    });

    it('stores manifests with tags and referrers atomically, and deletes them together', async () => {
      const store = await create();
      const subject = manifest('subject');
      const referrer = manifest('sig', { subject: subject.digest, artifactType: 'application/x.sig' });
      await push(store, 'r', subject, ['v1', 'latest']);
      await push(store, 'r', referrer, [], {
        referrer: {
          subject: subject.digest,
          descriptor: { mediaType: referrer.mediaType, digest: referrer.digest, size: 2, artifactType: 'application/x.sig' },
        },
      });
      expect((await store.getTag('r', 'latest'))?.digest).toBe(subject.digest);
      expect((await store.getTag('r', 'latest'))?.body).toEqual(Buffer.from('{}'));
      expect(await store.listTags('r', undefined, 10)).toEqual({ items: ['latest', 'v1'], more: false });
      expect((await store.listReferrers('r', subject.digest)).map((entry) => entry.descriptor.digest)).toEqual([referrer.digest]);
      expect([...(await store.getManifests('r', [subject.digest, referrer.digest])).keys()].sort()).toEqual([subject.digest, referrer.digest].sort());

      expect(await store.deleteTag('r', 'v1')).toBe(subject.digest);
      expect(await store.deleteTag('r', 'v1')).toBeUndefined();
      expect(await store.getManifest('r', subject.digest)).toBeDefined();

      expect(await store.deleteManifest('r', referrer.digest)).toEqual([]);
      expect(await store.listReferrers('r', subject.digest)).toEqual([]);
      expect(await store.deleteManifest('r', subject.digest)).toEqual(['latest']);
      expect(await store.getTag('r', 'latest')).toBeUndefined();
      expect(await store.deleteManifest('r', subject.digest)).toBeUndefined();
    });

    it('keeps manifests stored by object key without a body', async () => {
      const store = await create();
      const record = manifest('big', { body: undefined, objectKey: 'manifests/sha256/x' } as Partial<ManifestRecord>);
      await push(store, 'r', record, ['big']);
      const tag = await store.getTag('r', 'big');
      expect(tag?.body).toBeUndefined();
      expect(tag?.objectKey).toBe('manifests/sha256/x');
    });

    it('keeps each manifest\'s tags on it as tags are created, moved and deleted', async () => {
      const store = await create();
      const one = manifest('tags-one');
      const two = manifest('tags-two');
      await push(store, 't', one, ['b', 'a', 'c']);
      expect((await store.getManifest('t', one.digest))?.tags).toEqual(['a', 'b', 'c']);

      // Moving tags takes them off the manifest they pointed at, in the same write.
      await push(store, 't', two, ['a', 'b']);
      expect((await store.getManifest('t', one.digest))?.tags).toEqual(['c']);
      expect((await store.getManifest('t', two.digest))?.tags).toEqual(['a', 'b']);
      expect((await store.getTag('t', 'a'))?.digest).toBe(two.digest);

      expect(await store.deleteTag('t', 'c')).toBe(one.digest);
      expect((await store.getManifest('t', one.digest))?.tags).toEqual([]);
      expect([...(await store.getManifests('t', [two.digest])).values()][0]?.tags).toEqual(['a', 'b']);
      expect(await store.deleteManifest('t', two.digest)).toEqual(['a', 'b']);
      expect(await store.getTag('t', 'a')).toBeUndefined();
      expect(await store.getTag('t', 'b')).toBeUndefined();
    });

    it('keeps the first push time and content fields when a manifest is pushed again', async () => {
      const store = await create();
      const first = manifest('again', { pushedAt: '2026-01-01T00:00:00.000Z', configMediaType: 'application/x.config' });
      await push(store, 'p', first, ['v1']);
      await push(store, 'p', { ...first, pushedAt: '2026-02-01T00:00:00.000Z' }, ['v2']);
      const stored = await store.getManifest('p', first.digest);
      expect(stored).toMatchObject({ pushedAt: '2026-01-01T00:00:00.000Z', imageSize: 10, configMediaType: 'application/x.config', tags: ['v1', 'v2'] });
    });

    it('deletes the manifest with its last tag only when asked to', async () => {
      const store = await create();
      const subject = manifest('prune-subject');
      const image = manifest('prune', { subject: subject.digest });
      await push(store, 'd', image, ['x', 'y'], { referrer: { subject: subject.digest, descriptor: { mediaType: image.mediaType, digest: image.digest, size: 2 } } });
      expect(await store.deleteTag('d', 'x', { deleteUntaggedManifest: true })).toBe(image.digest);
      expect((await store.getManifest('d', image.digest))?.tags).toEqual(['y']);
      expect(await store.deleteTag('d', 'y', { deleteUntaggedManifest: true })).toBe(image.digest);
      expect(await store.getManifest('d', image.digest)).toBeUndefined();
      expect(await store.listReferrers('d', subject.digest)).toEqual([]);

      const kept = manifest('kept');
      await push(store, 'd', kept, ['only']);
      expect(await store.deleteTag('d', 'only')).toBe(kept.digest);
      expect((await store.getManifest('d', kept.digest))?.tags).toEqual([]);
      expect(await store.deleteTag('d', 'missing', { deleteUntaggedManifest: true })).toBeUndefined();
    });

    it('deletes a manifest with more tags than one transaction holds', async () => {
      const store = await create();
      const image = manifest('crowded');
      const tags = Array.from({ length: 120 }, (_, i) => `t${String(i).padStart(3, '0')}`);
      for (let i = 0; i < tags.length; i += 40) await push(store, 'c', image, tags.slice(i, i + 40));
      expect((await store.getManifest('c', image.digest))?.tags).toEqual(tags);
      expect((await store.deleteManifest('c', image.digest))?.sort()).toEqual(tags);
      expect(await store.getManifest('c', image.digest)).toBeUndefined();
      expect(await store.listTags('c', undefined, 10)).toEqual({ items: [], more: false });
    });

    it('lists manifests in digest order without their bytes, paged, optionally only tagged or untagged', async () => {
      const store = await create();
      const records = ['l1', 'l2', 'l3', 'l4', 'l5'].map((seed) => manifest(seed));
      for (const [index, record] of records.entries()) await push(store, 'list', record, index % 2 === 0 ? [`tag${index}`] : []);
      await push(store, 'other', manifest('elsewhere'), ['x']);
      const sorted = [...records].sort((a, b) => a.digest.localeCompare(b.digest));

      const first = await store.listManifests('list', undefined, 3);
      expect(first.items.map((item) => item.digest)).toEqual(sorted.slice(0, 3).map((record) => record.digest));
      expect(first.more).toBe(true);
      expect(first.items[0]).not.toHaveProperty('body');
      expect(first.items[0]).toMatchObject({ mediaType: records[0]!.mediaType, size: 2, imageSize: 10 });
      const rest = await store.listManifests('list', first.items.at(-1)!.digest, 3);
      expect(rest).toMatchObject({ more: false });
      expect(rest.items.map((item) => item.digest)).toEqual(sorted.slice(3).map((record) => record.digest));

      const tagged = await store.listManifests('list', undefined, 10, 'TAGGED');
      expect(tagged.items.map((item) => item.tags).sort()).toEqual([['tag0'], ['tag2'], ['tag4']]);
      const untagged = await store.listManifests('list', undefined, 1, 'UNTAGGED');
      expect(untagged.items).toHaveLength(1);
      expect(untagged.items[0]?.tags).toEqual([]);
      expect(untagged.more).toBe(true);
      const after = await store.listManifests('list', untagged.items[0]!.digest, 10, 'UNTAGGED');
      expect(after).toMatchObject({ more: false });
      expect(after.items).toHaveLength(1);
    });

    it('never moves an immutable tag, but accepts it again at the same digest', async () => {
      const store = await create();
      const first = manifest('immutable-1');
      const second = manifest('immutable-2');
      await push(store, 'i', first, ['v1'], { immutableTags: ['v1'] });
      await expect(push(store, 'i', second, ['v1', 'free'], { immutableTags: ['v1'] }))
        .rejects.toBeInstanceOf(ImmutableTagError);
      expect((await store.getTag('i', 'v1'))?.digest).toBe(first.digest);
      expect(await store.getManifest('i', second.digest)).toBeUndefined();
      expect(await store.getTag('i', 'free')).toBeUndefined();
      await push(store, 'i', first, ['v1'], { immutableTags: ['v1'] });
      // Without the option the same tag moves.
      await push(store, 'i', second, ['v1']);
      expect((await store.getTag('i', 'v1'))?.digest).toBe(second.digest);
    });

    it('lets exactly one of concurrent pushes to an immutable tag win', async () => {
      const store = await create();
      const contenders = Array.from({ length: 8 }, (_, i) => manifest(`race-${i}`));
      const results = await Promise.allSettled(contenders.map((record) => push(store, 'race', record, ['release'], { immutableTags: ['release'] })));
      const won = results.flatMap((result, index) => (result.status === 'fulfilled' ? [contenders[index]!] : []));
      expect(won).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ImmutableTagError);
      }
      expect((await store.getTag('race', 'release'))?.digest).toBe(won[0]!.digest);
      expect((await store.listManifests('race', undefined, 10)).items.map((item) => item.digest)).toEqual([won[0]!.digest]);
    });

    it('keeps tag sets consistent under concurrent pushes of a mutable tag', async () => {
      const store = await create();
      const contenders = Array.from({ length: 6 }, (_, i) => manifest(`mutable-race-${i}`));
      await Promise.all(contenders.map((record) => push(store, 'm', record, ['latest'])));
      const owner = (await store.getTag('m', 'latest'))!.digest;
      const listed = await store.listManifests('m', undefined, 10);
      expect(listed.items.filter((item) => item.tags.includes('latest')).map((item) => item.digest)).toEqual([owner]);
    });

    it('refuses a push that would change more items than one transaction holds', async () => {
      const store = await create();
      const tags = Array.from({ length: 50 }, (_, i) => `m${i}`);
      for (const tag of tags) await push(store, 'big', manifest(`holder-${tag}`), [tag]);
      await expect(push(store, 'big', manifest('taker'), tags)).rejects.toBeInstanceOf(TooManyTagChangesError);
      await push(store, 'big', manifest('taker'), tags.slice(0, 40));
      expect((await store.getTag('big', 'm0'))?.digest).toBe(digest('taker'));
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
