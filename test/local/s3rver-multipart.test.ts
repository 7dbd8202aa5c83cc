import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useLocalS3 } from '../support/local-s3.js';

/** Local S3 (s3rver, extended) refuses what S3 refuses in a multipart upload, with S3's errors. */

const MiB = 1024 * 1024;
const Bucket = 'multipart';
const local = useLocalS3(Bucket);

async function start(Key: string): Promise<string> {
  return (await local().client.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId!;
}

async function part(Key: string, UploadId: string, PartNumber: number, Body: Buffer): Promise<{ PartNumber: number; ETag: string }> {
  return { PartNumber, ETag: (await local().client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body }))).ETag! };
}

function complete(Key: string, UploadId: string, Parts: { PartNumber: number; ETag: string }[]) {
  return local().client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));
}

async function errorName(promise: Promise<unknown>): Promise<string> {
  return promise.then(() => 'succeeded', (error: Error) => error.name);
}

describe("local S3's multipart checks", () => {
  it('refuses a part or a completion for an upload it never started, with NoSuchUpload', async () => {
    expect(await errorName(part('never', 'abc123', 1, randomBytes(10)))).toBe('NoSuchUpload');
    expect(await errorName(complete('never', 'abc123', [{ PartNumber: 1, ETag: '"x"' }]))).toBe('NoSuchUpload');
  });

  it('refuses parts it does not have or whose ETag differs with InvalidPart, and keeps the upload', async () => {
    const id = await start('invalid');
    const first = await part('invalid', id, 1, randomBytes(5 * MiB));
    const last = await part('invalid', id, 2, randomBytes(100));
    expect(await errorName(complete('invalid', id, [first, { PartNumber: 2, ETag: '"0123456789abcdef0123456789abcdef"' }]))).toBe('InvalidPart');
    expect(await errorName(complete('invalid', id, [first, { PartNumber: 3, ETag: last.ETag }]))).toBe('InvalidPart');
    await complete('invalid', id, [first, last]);
    const object = await local().client.send(new HeadObjectCommand({ Bucket, Key: 'invalid' }));
    expect(object.ContentLength).toBe(5 * MiB + 100);
  });

  it('refuses parts out of order with InvalidPartOrder', async () => {
    const id = await start('order');
    const first = await part('order', id, 1, randomBytes(5 * MiB));
    const second = await part('order', id, 2, randomBytes(100));
    expect(await errorName(complete('order', id, [second, first]))).toBe('InvalidPartOrder');
  });

  it('refuses a part under 5 MiB before the last with EntityTooSmall', async () => {
    const id = await start('small');
    const first = await part('small', id, 1, randomBytes(1000));
    const second = await part('small', id, 2, randomBytes(1000));
    expect(await errorName(complete('small', id, [first, second]))).toBe('EntityTooSmall');
    // A lone part may be any size: it is the last.
    const lone = await start('lone');
    await complete('lone', lone, [await part('lone', lone, 1, randomBytes(1000))]);
  });

  it('refuses a completion of an upload that was aborted, with NoSuchUpload', async () => {
    const id = await start('aborted');
    const parts = [await part('aborted', id, 1, randomBytes(1000))];
    await local().client.send(new AbortMultipartUploadCommand({ Bucket, Key: 'aborted', UploadId: id }));
    expect(await errorName(complete('aborted', id, parts))).toBe('NoSuchUpload');
  });
});

/** Local S3 joins parts in place when it can; whatever the order and sizes they come in, the object is the parts listed. */
describe("local S3's multipart assembly", () => {
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  async function stored(Key: string): Promise<string> {
    const object = await local().client.send(new GetObjectCommand({ Bucket, Key }));
    return sha256(Buffer.from(await object.Body!.transformToByteArray()));
  }

  it('joins parts of equal size and a smaller last one, leaving out parts not listed', async () => {
    const id = await start('equal');
    const bytes = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1000), randomBytes(5 * MiB)];
    const parts = [];
    for (const [index, body] of bytes.entries()) parts.push(await part('equal', id, index + 1, body));
    await complete('equal', id, parts.slice(0, 3));
    expect(await stored('equal')).toBe(sha256(Buffer.concat(bytes.slice(0, 3))));
  });

  it('joins parts sent out of order, sent again, and of other sizes', async () => {
    const id = await start('mixed');
    const first = randomBytes(5 * MiB);
    const third = randomBytes(6 * MiB);
    const second = randomBytes(5 * MiB + 10);
    const one = await part('mixed', id, 1, first);
    const three = await part('mixed', id, 3, third);
    await part('mixed', id, 2, randomBytes(5 * MiB));
    const two = await part('mixed', id, 2, second);
    await complete('mixed', id, [one, two, three]);
    expect(await stored('mixed')).toBe(sha256(Buffer.concat([first, second, third])));
  });

  it('keeps a part as it was when sending it again breaks midway', async () => {
    const id = await start('resent');
    const first = randomBytes(5 * MiB);
    const last = randomBytes(5 * MiB);
    const one = await part('resent', id, 1, first);
    const two = await part('resent', id, 2, last);
    const breaking = Readable.from((async function* () {
      yield randomBytes(MiB);
      throw new Error('the client went away');
    })());
    // The SDK does not end a request whose body fails; a client going away does.
    const abort = new AbortController();
    breaking.on('error', () => abort.abort());
    const resend = local().client.send(new UploadPartCommand({ Bucket, Key: 'resent', UploadId: id, PartNumber: 2, Body: breaking, ContentLength: 5 * MiB }), { abortSignal: abort.signal });
    await expect(resend).rejects.toThrow();
    await complete('resent', id, [one, two]);
    expect(await stored('resent')).toBe(sha256(Buffer.concat([first, last])));
  });
});
