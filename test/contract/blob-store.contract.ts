import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../../lambdas/store/blob-store.js';

/** A fresh adapter, and a look at its objects' tags (GetObjectTagging on S3) that the port does not offer. */
export interface BlobStoreUnderTest {
  blobs: BlobStore;
  tagsOf(key: string): Promise<Record<string, string>>;
}

/** What every BlobStore adapter must do; run against each real adapter. */
export function blobStoreContract(adapter: string, create: () => Promise<BlobStoreUnderTest>): void {
  describe(`BlobStore contract: ${adapter}`, () => {
    it('puts, heads, gets and deletes objects', async () => {
      const { blobs } = await create();
      const bytes = randomBytes(1000);
      await blobs.put('a/b', bytes);
      expect(await blobs.head('a/b')).toBe(1000);
      expect(await blobs.get('a/b')).toEqual(bytes);
      await blobs.delete('a/b');
      expect(await blobs.head('a/b')).toBeUndefined();
    });

    it('stores a streamed body of known length, and reads objects back as a stream', async () => {
      const { blobs } = await create();
      const chunks = [randomBytes(3 * 1024 * 1024), randomBytes(3 * 1024 * 1024), randomBytes(100)];
      await blobs.putStream('streamed', (async function* () { yield* chunks; })(), chunks.reduce((sum, chunk) => sum + chunk.length, 0));
      const read: Buffer[] = [];
      for await (const chunk of blobs.read('streamed')) read.push(Buffer.from(chunk));
      expect(digestOf(Buffer.concat(read))).toBe(digestOf(Buffer.concat(chunks)));
    });

    it('keeps nothing of a streamed body that fails midway', async () => {
      const { blobs } = await create();
      const failing = (async function* () {
        yield randomBytes(1024 * 1024);
        throw new Error('the client went away');
      })();
      await expect(blobs.putStream('broken', failing, 4 * 1024 * 1024)).rejects.toThrow('the client went away');
      expect(await blobs.head('broken')).toBeUndefined();
    });

    it('presigns GET URLs that serve the object and byte ranges', async () => {
      const { blobs } = await create();
      const bytes = randomBytes(500);
      await blobs.put('presigned', bytes);
      const url = await blobs.presignGet('presigned', 60);
      expect(Buffer.from(await (await fetch(url)).arrayBuffer())).toEqual(bytes);
      const range = await fetch(url, { headers: { range: 'bytes=10-19' } });
      expect(Buffer.from(await range.arrayBuffer())).toEqual(bytes.subarray(10, 20));
    });

    it('assembles multipart uploads in part order', async () => {
      const { blobs } = await create();
      const first = randomBytes(5 * 1024 * 1024);
      const last = randomBytes(1000);
      const id = await blobs.createMultipart('assembled');
      const etag1 = await blobs.uploadPart('assembled', id, 1, first);
      const etag2 = await blobs.uploadPart('assembled', id, 2, last);
      await blobs.completeMultipart('assembled', id, [{ partNumber: 1, etag: etag1 }, { partNumber: 2, etag: etag2 }]);
      // Buffer.equals: a deep toEqual of 5 MiB takes vitest many seconds.
      expect((await blobs.get('assembled')).equals(Buffer.concat([first, last]))).toBe(true);
    });

    it('refuses to assemble a list of parts that does not make the upload, or an upload that is gone', async () => {
      const { blobs } = await create();
      const id = await blobs.createMultipart('refused');
      const etag1 = await blobs.uploadPart('refused', id, 1, randomBytes(5 * 1024 * 1024));
      const etag2 = await blobs.uploadPart('refused', id, 2, randomBytes(1000));
      const refusal = (parts: { partNumber: number; etag: string }[], uploadId = id) => blobs.completeMultipart('refused', uploadId, parts).then(() => undefined, (error: unknown) => error);
      expect(await refusal([{ partNumber: 2, etag: etag2 }, { partNumber: 1, etag: etag1 }])).toMatchObject({ name: 'MultipartRefusedError', reason: 'parts' });
      expect(await refusal([{ partNumber: 1, etag: etag1 }, { partNumber: 2, etag: etag1 }])).toMatchObject({ name: 'MultipartRefusedError', reason: 'parts' });
      await blobs.abortMultipart('refused', id);
      expect(await refusal([{ partNumber: 1, etag: etag1 }, { partNumber: 2, etag: etag2 }])).toMatchObject({ name: 'MultipartRefusedError', reason: 'unknown' });
    });

    it('verifies the SHA-256 signed into a presigned PUT while storing, and keeps it with the object', async () => {
      const { blobs } = await create();
      const bytes = randomBytes(300_000);
      const hex = createHash('sha256').update(bytes).digest('hex');
      const put = await blobs.presignPut('checked', hex, bytes.length, 60);
      const stored = await fetch(put.url, { method: 'PUT', body: bytes, headers: put.headers });
      expect(stored.status).toBe(200);
      expect(await blobs.storedSha256('checked')).toBe(hex);
    });

    it('refuses a presigned PUT whose body differs from the signed SHA-256 and keeps nothing', async () => {
      const { blobs } = await create();
      const bytes = randomBytes(5000);
      const put = await blobs.presignPut('corrupt', createHash('sha256').update(bytes).digest('hex'), bytes.length, 60);
      const refused = await fetch(put.url, { method: 'PUT', body: randomBytes(5000), headers: put.headers });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('<Code>BadDigest</Code>');
      expect(await blobs.head('corrupt')).toBeUndefined();
    });

    it('marks an object put through a presigned PUT pending until unmarked, with the tag signed as a header', async () => {
      const { blobs, tagsOf } = await create();
      const bytes = randomBytes(2000);
      const put = await blobs.presignPut('pending', createHash('sha256').update(bytes).digest('hex'), bytes.length, 60);
      expect(put.headers['x-amz-tagging']).toBe('berth-upload=pending');
      // A signed header the client must send, not a query parameter S3 would not apply.
      const query = new URL(put.url).searchParams;
      expect(query.get('X-Amz-SignedHeaders')?.split(';')).toContain('x-amz-tagging');
      expect([...query.keys()].map((name) => name.toLowerCase())).not.toContain('x-amz-tagging');

      expect((await fetch(put.url, { method: 'PUT', body: bytes, headers: put.headers })).status).toBe(200);
      expect(await tagsOf('pending')).toEqual({ 'berth-upload': 'pending' });
      await blobs.unmarkPending('pending');
      expect(await tagsOf('pending')).toEqual({});
      expect((await blobs.get('pending')).equals(bytes)).toBe(true);
    });

    it('only creates through a presigned PUT: sent again, it is refused, and the object keeps its bytes and tags', async () => {
      const { blobs, tagsOf } = await create();
      const bytes = randomBytes(2000);
      const put = await blobs.presignPut('once', createHash('sha256').update(bytes).digest('hex'), bytes.length, 60);
      expect(put.headers['if-none-match']).toBe('*');
      expect((await fetch(put.url, { method: 'PUT', body: bytes, headers: put.headers })).status).toBe(200);
      await blobs.unmarkPending('once');
      const again = await fetch(put.url, { method: 'PUT', body: bytes, headers: put.headers });
      expect(again.status).toBe(412);
      expect(await again.text()).toContain('<Code>PreconditionFailed</Code>');
      expect(await tagsOf('once')).toEqual({});
      expect((await blobs.get('once')).equals(bytes)).toBe(true);
    });

    it('heads a key that was never written as absent', async () => {
      const { blobs } = await create();
      expect(await blobs.head('never/written')).toBeUndefined();
    });

    it('unmarks an object that carries no mark', async () => {
      const { blobs, tagsOf } = await create();
      await blobs.put('unmarked', randomBytes(10));
      await blobs.unmarkPending('unmarked');
      expect(await tagsOf('unmarked')).toEqual({});
    });

    it('aborts multipart uploads, and takes an upload already gone as aborted', async () => {
      const { blobs } = await create();
      const id = await blobs.createMultipart('aborted');
      const etag = await blobs.uploadPart('aborted', id, 1, randomBytes(100));
      await blobs.abortMultipart('aborted', id);
      await expect(blobs.completeMultipart('aborted', id, [{ partNumber: 1, etag }])).rejects.toThrow();
      expect(await blobs.head('aborted')).toBeUndefined();
      await blobs.abortMultipart('aborted', id);
    });

    it('has no stored SHA-256 for an object put without one', async () => {
      const { blobs } = await create();
      const bytes = randomBytes(100);
      await blobs.put('plain', bytes);
      expect(await blobs.storedSha256('plain')).toBeUndefined();
    });
  });
}

function digestOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
