import { randomBytes } from 'node:crypto';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
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
