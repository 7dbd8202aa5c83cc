import { randomBytes } from 'node:crypto';
import { CopyObjectCommand } from '@aws-sdk/client-s3';
import type { S3rverStore } from 's3rver';
import FilesystemStore from 's3rver/lib/stores/filesystem.js';
import { describe, expect, it, vi } from 'vitest';
import { useLocalS3 } from '../support/local-s3.js';

/**
 * Local S3 keeps recently read objects in memory and answers the next presigned GET of one from
 * there (local/emulators/object-cache.ts, s3rver-object-reads.ts). What a client gets must not
 * change for it: the same bytes and headers, a rewritten or deleted object never served from the
 * copy, and a URL that is expired or altered refused as before.
 */

const Bucket = 'kept-objects';
const MiB = 1024 * 1024;
const local = useLocalS3(Bucket, 8 * MiB);

async function put(key: string, bytes: Buffer, headers: Record<string, string> = {}): Promise<void> {
  expect((await fetch(local().url(key), { method: 'PUT', body: bytes, headers })).status).toBe(200);
}

function presignedGet(key: string, expiresInSeconds = 60): Promise<string> {
  return local().api.presign('GetObject', Bucket, key, { expiresInSeconds });
}

async function download(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The headers S3 answers a GetObject with that describe the object. */
function described(headers: Headers): Record<string, string | null> {
  return Object.fromEntries(['content-type', 'content-length', 'etag', 'last-modified', 'accept-ranges', 'x-amz-meta-origin'].map((name) => [name, headers.get(name)]));
}

describe('local S3 objects kept in memory', () => {
  it('answers a second presigned GET with the same bytes and headers as the first', async () => {
    const bytes = randomBytes(3 * MiB + 17);
    await put('same', bytes, { 'content-type': 'application/vnd.oci.image.layer.v1.tar', 'x-amz-meta-origin': 'test' });
    const first = await download(await presignedGet('same'));
    const second = await download(await presignedGet('same'));
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.bytes.equals(bytes)).toBe(true);
    expect(second.bytes.equals(bytes)).toBe(true);
    expect(described(second.headers)).toEqual(described(first.headers));
    expect(second.headers.get('content-type')).toBe('application/vnd.oci.image.layer.v1.tar');
  });

  it('serves a rewritten object as rewritten, and a deleted one not at all', async () => {
    await put('changing', randomBytes(MiB));
    await download(await presignedGet('changing'));
    const rewritten = randomBytes(MiB);
    await put('changing', rewritten);
    expect((await download(await presignedGet('changing'))).bytes.equals(rewritten)).toBe(true);
    expect((await fetch(local().url('changing'), { method: 'DELETE' })).status).toBe(204);
    const gone = await download(await presignedGet('changing'));
    expect(gone.status).toBe(403);
    expect(gone.bytes.toString()).toContain('<Code>AccessDenied</Code>');
  });

  it('answers with the new metadata once a CopyObject replaced it', async () => {
    await put('described', randomBytes(1000), { 'content-type': 'application/octet-stream' });
    expect((await download(await presignedGet('described'))).headers.get('content-type')).toBe('application/octet-stream');
    await local().client.send(new CopyObjectCommand({
      Bucket, Key: 'described', CopySource: `${Bucket}/described`, MetadataDirective: 'REPLACE', ContentType: 'application/vnd.oci.image.layer.v1.tar',
    }));
    expect((await download(await presignedGet('described'))).headers.get('content-type')).toBe('application/vnd.oci.image.layer.v1.tar');
  });

  it('does not keep the old metadata of a GET that read it before a CopyObject replaced it', async () => {
    await put('racing', randomBytes(1000), { 'content-type': 'application/octet-stream' });
    // The fault: the first GET pauses once s3rver has read the object's metadata, until the CopyObject is done.
    let reach!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => { reach = resolve; });
    const released = new Promise<void>((resolve) => { release = resolve; });
    const getObject = FilesystemStore.prototype.getObject;
    const paused = vi.spyOn(FilesystemStore.prototype, 'getObject').mockImplementationOnce(async function (this: S3rverStore, ...args) {
      const object = await getObject.apply(this, args);
      reach();
      await released;
      return object;
    });
    try {
      const first = download(await presignedGet('racing'));
      await reached;
      await local().client.send(new CopyObjectCommand({
        Bucket, Key: 'racing', CopySource: `${Bucket}/racing`, MetadataDirective: 'REPLACE', ContentType: 'application/vnd.oci.image.layer.v1.tar',
      }));
      release();
      expect((await first).headers.get('content-type')).toBe('application/octet-stream');
    } finally {
      paused.mockRestore();
    }
    for (let round = 0; round < 2; round++) {
      expect((await download(await presignedGet('racing'))).headers.get('content-type')).toBe('application/vnd.oci.image.layer.v1.tar');
    }
  });

  it('still answers ranges and conditions of a kept object as S3 does', async () => {
    const bytes = randomBytes(2 * MiB);
    await put('ranged', bytes);
    const whole = await download(await presignedGet('ranged'));
    const range = await download(await presignedGet('ranged'), { range: 'bytes=100-199' });
    expect(range.status).toBe(206);
    expect(range.bytes.equals(bytes.subarray(100, 200))).toBe(true);
    const unchanged = await fetch(await presignedGet('ranged'), { headers: { 'if-none-match': whole.headers.get('etag')! } });
    expect(unchanged.status).toBe(304);
  });

  it('refuses an expired or altered URL of a kept object', async () => {
    await put('guarded', randomBytes(1000));
    const url = await presignedGet('guarded', 1);
    expect((await download(url)).status).toBe(200);
    const altered = new URL(url);
    altered.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    const forged = await download(altered.toString());
    expect(forged.status).toBe(403);
    expect(forged.bytes.toString()).toContain('<Code>SignatureDoesNotMatch</Code>');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await download(url);
    expect(expired.status).toBe(403);
    expect(expired.bytes.toString()).toContain('<Code>AccessDenied</Code>');
  });

  it('serves an object too large to keep whole, every time', async () => {
    // A quarter of the 8 MiB this file's local S3 keeps is the largest object kept.
    const bytes = randomBytes(3 * MiB);
    await put('large', bytes);
    for (let round = 0; round < 2; round++) expect((await download(await presignedGet('large'))).bytes.equals(bytes)).toBe(true);
  });
});
