import { describe, expect, it } from 'vitest';
import { keys, objectKeys } from '../../lambdas/store/keys.js';
import { paddedManifest } from '../support/manifests.js';
import { ociImage, randomBlob, sha256 } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { DynamoGcStore } from '../../lambdas/store/dynamo-gc-store.js';
import { age, dynamo, imageOf, pullsIdentical, rawItem, recorded, storedObject } from './gc-support.js';

/** Garbage collection over a running registry: what goes, what stays, and when. */

const registry = useRegistry();
const client = () => clientOf(registry());

/** Pushes two images into the repository that share their first layer; returns them with the layer. */
async function twoImagesSharingALayer(repository: string) {
  const shared = randomBlob(4096, 'application/vnd.oci.image.layer.v1.tar+gzip');
  const own = [randomBlob(3000, 'application/vnd.oci.image.layer.v1.tar+gzip'), randomBlob(2000, 'application/vnd.oci.image.layer.v1.tar+gzip')];
  const doomed = imageOf([shared, own[0]!], `${repository}-doomed`);
  const kept = imageOf([shared, own[1]!], `${repository}-kept`);
  await client().pushImage(repository, 'doomed', doomed);
  await client().pushImage(repository, 'kept', kept);
  return { doomed, kept, shared };
}

async function deleteManifest(repository: string, digest: string): Promise<void> {
  const response = await client().request('DELETE', `/v2/${repository}/manifests/${digest}`);
  expect(response.status).toBe(202);
}

describe('garbage collection', () => {
  it('deletes only the deleted image\'s own blobs; the other image still pulls byte-identical', async () => {
    const { doomed, kept, shared } = await twoImagesSharingALayer('gc/shared');
    const ownKeys = await Promise.all([doomed.config, doomed.layers[1]!].map((item) => storedObject(registry(), item.digest)));
    await deleteManifest('gc/shared', doomed.manifest.digest);
    await age(registry());

    const { report } = await registry().collectGarbage();

    expect(report.blobs).toBe(2);
    expect(report.bytes).toBe(doomed.config.bytes.length + doomed.layers[1]!.bytes.length);
    for (const item of [doomed.config, doomed.layers[1]!]) expect(await registry().store.getBlob(item.digest)).toBeUndefined();
    for (const key of ownKeys) expect(await registry().blobs.head(key!)).toBeUndefined();
    expect(await storedObject(registry(), shared.digest)).toBeDefined();
    expect(await pullsIdentical(client(), 'gc/shared', 'kept', kept)).toBe(true);
    const gone = await client().request('GET', `/v2/gc/shared/blobs/${doomed.config.digest}`);
    expect(gone.status).toBe(404);
  });

  it('keeps everything within the grace period', async () => {
    const { doomed } = await twoImagesSharingALayer('gc/recent');
    await deleteManifest('gc/recent', doomed.manifest.digest);

    const { report } = await registry().collectGarbage();

    expect(report.blobs).toBe(0);
    for (const item of [doomed.config, ...doomed.layers]) expect(await storedObject(registry(), item.digest)).toBeDefined();
    expect((await client().request('HEAD', `/v2/gc/recent/blobs/${doomed.config.digest}`)).status).toBe(200);
  });

  it('deletes a deleted repository\'s unique bytes and keeps those another repository holds', async () => {
    const shared = randomBlob(5000, 'application/vnd.oci.image.layer.v1.tar+gzip');
    const unique = randomBlob(6000, 'application/vnd.oci.image.layer.v1.tar+gzip');
    const doomed = imageOf([shared, unique], 'gc-doomed-repository');
    const kept = imageOf([shared], 'gc-kept-repository');
    await client().pushImage('gc/doomed-repository', 'v1', doomed);
    await client().pushImage('gc/kept-repository', 'v1', kept);
    const uniqueKey = await storedObject(registry(), unique.digest);
    await registry().store.deleteRepository('gc/doomed-repository');
    await age(registry());

    const { report } = await registry().collectGarbage();

    expect(report.blobs).toBeGreaterThanOrEqual(2);
    expect(await storedObject(registry(), unique.digest)).toBeUndefined();
    expect(await storedObject(registry(), doomed.config.digest)).toBeUndefined();
    expect(await registry().blobs.head(uniqueKey!)).toBeUndefined();
    expect(await pullsIdentical(client(), 'gc/kept-repository', 'v1', kept)).toBe(true);
  });

  it('previews with a dry run, deleting nothing, what the pass then reclaims', async () => {
    const { doomed, kept } = await twoImagesSharingALayer('gc/preview');
    const stored = await Promise.all([doomed.config, ...doomed.layers].map((item) => storedObject(registry(), item.digest)));
    await deleteManifest('gc/preview', doomed.manifest.digest);
    await registry().collectGarbage();
    await age(registry());

    const preview = await registry().collectGarbage({ dryRun: true });
    expect(preview.report).toMatchObject({ blobs: 2, bytes: doomed.config.bytes.length + doomed.layers[1]!.bytes.length, links: 2 });
    // Looked at without the registry, whose reads would count as uses of the blobs.
    for (const key of stored) expect(await registry().blobs.head(key!)).toBeGreaterThan(0);
    expect(await recorded(registry(), keys.blobLink('gc/preview', doomed.config.digest))).toBe(true);

    const { report } = await registry().collectGarbage();
    expect(report).toMatchObject({ blobs: 2, bytes: preview.report.bytes, links: 2 });
    expect(await pullsIdentical(client(), 'gc/preview', 'kept', kept)).toBe(true);
  });

  it('removes the blobs of an abandoned push, which no manifest references', async () => {
    const layer = randomBlob(1500, 'application/vnd.oci.image.layer.v1.tar+gzip');
    await client().pushBlob('gc/abandoned', layer);
    await age(registry());

    const { report } = await registry().collectGarbage();

    expect(report.links).toBeGreaterThanOrEqual(1);
    expect(await registry().store.getBlobLink('gc/abandoned', layer.digest)).toBeUndefined();
    expect(await storedObject(registry(), layer.digest)).toBeUndefined();
  });

  it('deletes a manifest kept in S3 once no repository holds it', async () => {
    const image = ociImage();
    const large = paddedManifest(image, 200 * 1024);
    for (const repository of ['gc/large-a', 'gc/large-b']) {
      await client().pushBlobs(repository, image);
      expect((await client().pushManifest(repository, 'v1', large)).status).toBe(201);
    }
    const objectKey = objectKeys.manifest(large.digest);
    await deleteManifest('gc/large-a', large.digest);
    await age(registry());
    await registry().collectGarbage();
    expect(await registry().blobs.head(objectKey)).toBe(large.bytes.length);

    await deleteManifest('gc/large-b', large.digest);
    await age(registry());
    const { report } = await registry().collectGarbage();
    expect(report.manifests).toBe(1);
    expect(await registry().blobs.head(objectKey)).toBeUndefined();
  });

  it('makes a push of a manifest kept in S3 wait while its object is being deleted, and keeps what the push wrote', async () => {
    const image = ociImage();
    const large = paddedManifest(image, 190 * 1024);
    await client().pushBlobs('gc/large-window', image);
    expect((await client().pushManifest('gc/large-window', 'v1', large)).status).toBe(201);
    await deleteManifest('gc/large-window', large.digest);
    await age(registry());
    // A collector midway: it has marked the object's entry and is about to delete the object.
    const gc = new DynamoGcStore(dynamo(), registry().table);
    const entry = { kind: 'MANIFEST' as const, id: large.digest, queuedAt: (await rawItem(registry(), keys.gcQueuedManifest(large.digest)))!.queuedAt as number };
    expect(await gc.claimManifestObject(entry, 'collector-midway')).toBe(true);

    const push = client().pushManifest('gc/large-window', 'v2', large);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await registry().blobs.delete(objectKeys.manifest(large.digest));
    await gc.manifestObjectDeleted(large.digest, 'collector-midway');

    expect((await push).status).toBe(201);
    expect(await registry().blobs.head(objectKeys.manifest(large.digest))).toBe(large.bytes.length);
    const pulled = await client().request('GET', '/v2/gc/large-window/manifests/v2', { headers: { accept: large.mediaType } });
    expect(Buffer.from(await pulled.arrayBuffer()).equals(large.bytes)).toBe(true);
    const { report } = await registry().collectGarbage();
    expect(report.manifests).toBe(0);
  });

  it('deletes an upload\'s object that no blob record adopted', async () => {
    const layer = randomBlob(700);
    const objectKey = objectKeys.assembledBlob('gc-crashed-upload');
    // What an upload that stopped between storing its object and recording it leaves.
    await registry().store.queueUploadObject(objectKey, layer.digest);
    await registry().blobs.put(objectKey, layer.bytes);
    await age(registry());

    const { report } = await registry().collectGarbage();

    expect(report.objects).toBeGreaterThanOrEqual(1);
    expect(await registry().blobs.head(objectKey)).toBeUndefined();
  });

  it('leaves alone the links of a repository whose manifests it cannot read, and says so', async () => {
    const layer = randomBlob(900, 'application/vnd.oci.image.layer.v1.tar+gzip');
    await client().pushBlob('gc/unreadable', layer);
    // A manifest record whose bytes are not a manifest: which blobs it needs cannot be known.
    const body = Buffer.from('{"not":"a manifest"}');
    await registry().store.putManifest('gc/unreadable', {
      manifest: { digest: sha256(body), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: body.length, pushedAt: new Date().toISOString(), imageSize: 0, children: [], body },
      blobs: [],
      tags: ['broken'],
    });
    await age(registry());

    const { report } = await registry().collectGarbage();

    expect(report.failures.map((failure) => failure.repository)).toContain('gc/unreadable');
    expect(await recorded(registry(), keys.blobLink('gc/unreadable', layer.digest))).toBe(true);
    expect(await recorded(registry(), keys.blob(layer.digest))).toBe(true);
  });

  it('resumes a pass stopped by its deadline, and reaches the same result run by run', async () => {
    const { doomed, kept } = await twoImagesSharingALayer('gc/resumed');
    await deleteManifest('gc/resumed', doomed.manifest.digest);
    await age(registry());

    let runs = 0;
    let blobs = 0;
    let cursor;
    do {
      // A deadline already past: each run does one unit of work and says where to resume.
      const outcome = await registry().collectGarbage({ deadline: 0, ...(cursor ? { cursor } : {}) });
      blobs += outcome.report.blobs;
      cursor = outcome.cursor;
      runs += 1;
    } while (cursor !== undefined && runs < 500);

    expect(cursor).toBeUndefined();
    expect(runs).toBeGreaterThan(1);
    expect(blobs).toBeGreaterThanOrEqual(2);
    for (const item of [doomed.config, doomed.layers[1]!]) expect(await storedObject(registry(), item.digest)).toBeUndefined();
    expect(await pullsIdentical(client(), 'gc/resumed', 'kept', kept)).toBe(true);
  });
});
