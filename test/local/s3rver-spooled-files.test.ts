import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectTaggingCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { PENDING_UPLOAD_TAG } from '../../lambdas/store/keys.js';
import { prepareSpool, SPOOLED_FILE_METADATA } from '../../local/emulators/s3rver-spooled-files.js';
import { SpooledBlobStore } from '../../local/spooled-blob-store.js';
import { useLocalS3 } from '../support/local-s3.js';

/**
 * Local mode's blob store writes streamed bodies to the local S3's spool
 * directory and has the emulator take the file as the object's body by rename,
 * in an otherwise ordinary PutObject (tags, create-only).
 */

const Bucket = 'spooled';
const local = useLocalS3(Bucket);
const store = () => new SpooledBlobStore(local().api, Bucket, local().spoolDirectory);
const spooled = () => readdirSync(local().spoolDirectory);
const read = async (key: string) => Buffer.from(await (await fetch(local().url(key))).arrayBuffer());

async function* chunks(bytes: Buffer, failAfter?: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 64 * 1024) {
    if (failAfter !== undefined && at >= failAfter) throw new Error('the client went away');
    yield bytes.subarray(at, at + 64 * 1024);
  }
}

/** A file in the spool, as the blob store writes one, and a PutObject that names it. */
function spoolFile(bytes: Buffer): string {
  const name = randomUUID();
  writeFileSync(join(local().spoolDirectory, name), bytes);
  return name;
}

describe('spooled upload bodies in local S3', () => {
  it('stores a body of unknown length as the object, marked pending, leaving nothing in the spool', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 5);
    await store().putUnsized('blobs/unsized', chunks(bytes));
    expect((await read('blobs/unsized')).equals(bytes)).toBe(true);
    const tags = await local().client.send(new GetObjectTaggingCommand({ Bucket, Key: 'blobs/unsized' }));
    expect(tags.TagSet).toEqual([{ Key: PENDING_UPLOAD_TAG.key, Value: PENDING_UPLOAD_TAG.value }]);
    expect(spooled()).toEqual([]);
  });

  it('stores a body of declared length, and refuses one that is not that length, storing nothing', async () => {
    const bytes = randomBytes(100_000);
    await store().putStream('blobs/sized', chunks(bytes), bytes.length);
    expect((await read('blobs/sized')).equals(bytes)).toBe(true);
    await expect(store().putStream('blobs/short', chunks(bytes), bytes.length + 1)).rejects.toThrow(/not the 100001 declared/);
    expect((await fetch(local().url('blobs/short'), { method: 'HEAD' })).status).toBe(403);
    expect(spooled()).toEqual([]);
  });

  it('stores nothing of a body that fails midway, and leaves nothing in the spool', async () => {
    await expect(store().putUnsized('blobs/broken', chunks(randomBytes(1024 * 1024), 512 * 1024))).rejects.toThrow('the client went away');
    expect((await fetch(local().url('blobs/broken'), { method: 'HEAD' })).status).toBe(403);
    expect(spooled()).toEqual([]);
  });

  it('only creates when asked to: a key that holds an object keeps it, with 412', async () => {
    const first = randomBytes(1000);
    await store().putUnsized('blobs/taken', chunks(first));
    const name = spoolFile(randomBytes(1000));
    await expect(local().client.send(new PutObjectCommand({ Bucket, Key: 'blobs/taken', Body: Buffer.alloc(0), IfNoneMatch: '*', Metadata: { [SPOOLED_FILE_METADATA]: name } })))
      .rejects.toMatchObject({ name: 'PreconditionFailed' });
    expect((await read('blobs/taken')).equals(first)).toBe(true);
  });

  it('refuses a name that is not a spool file name, or a file that is not there, with InvalidArgument', async () => {
    for (const name of ['../spooled/blobs/unsized', randomUUID()]) {
      await expect(local().client.send(new PutObjectCommand({ Bucket, Key: 'blobs/named', Body: Buffer.alloc(0), Metadata: { [SPOOLED_FILE_METADATA]: name } })))
        .rejects.toMatchObject({ name: 'InvalidArgument' });
    }
    expect((await fetch(local().url('blobs/named'), { method: 'HEAD' })).status).toBe(403);
  });

  it('refuses to let the holder of a presigned URL name a spooled file', async () => {
    const name = spoolFile(randomBytes(1000));
    const url = await getSignedUrl(local().client, new PutObjectCommand({ Bucket, Key: 'blobs/presigned' }), { expiresIn: 60 });
    const refused = await fetch(url, { method: 'PUT', body: '', headers: { [`x-amz-meta-${SPOOLED_FILE_METADATA}`]: name } });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('<Code>AccessDenied</Code>');
    expect(existsSync(join(local().spoolDirectory, name))).toBe(true);
    expect((await fetch(local().url('blobs/presigned'), { method: 'HEAD' })).status).toBe(403);
  });

  it('starts with an empty spool: files left by writers that are gone are removed', async () => {
    spoolFile(randomBytes(10));
    await prepareSpool(local().spoolDirectory);
    expect(spooled()).toEqual([]);
  });
});
