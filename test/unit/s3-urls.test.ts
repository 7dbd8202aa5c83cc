import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { S3Api } from '../../lambdas/aws/s3.js';

/**
 * Presigned URLs from Berth's small S3 client are the URLs the SDK's getSignedUrl makes, byte for
 * byte (signature included, at the same instant), whatever addressing style and partition the SDK
 * picks. That they work is what every blob download and direct upload test checks: local S3
 * verifies each signature.
 */

const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example-secret', sessionToken: 'session/token+with=padding' };

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-11-30T08:00:00Z'));
});
afterEach(() => vi.useRealTimers());

describe.each([
  { where: 'local S3 (path-style)', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', bucket: 'berth-blobs' },
  { where: 'S3 (virtual-hosted)', region: 'eu-west-1', bucket: 'berth-blobs' },
  { where: 'S3 in us-east-1', region: 'us-east-1', bucket: 'berth-blobs' },
  { where: 'S3 with a bucket name that holds dots (path-style)', region: 'eu-west-1', bucket: 'berth.blobs' },
  { where: 'S3 in China', region: 'cn-north-1', bucket: 'berth-blobs' },
  { where: 'S3 in GovCloud', region: 'us-gov-west-1', bucket: 'berth-blobs' },
])('presigned URLs on $where', ({ region, endpoint, bucket }) => {
  const options = { region, credentials, ...(endpoint ? { endpoint } : {}) };
  const sdk = new S3Client({ ...options, forcePathStyle: endpoint !== undefined, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const berth = new S3Api(options);

  it.each(['blobs/sha256/0123abcd', 'blobs/uploads/5f0c1d2e-aaaa-4bbb-8ccc-123456789abc', "odd key (with) !*' and space/ü"])('to download are the SDK\'s own for %s', async (key) => {
    const expected = await getSignedUrl(sdk, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 });
    expect(await berth.presign('GetObject', bucket, key, { expiresInSeconds: 300 })).toBe(expected);
  });

  it('to upload with signed headers are the SDK\'s own', async () => {
    const checksum = Buffer.alloc(32, 7).toString('base64');
    const signed = new Set(['x-amz-checksum-sha256', 'x-amz-tagging', 'if-none-match']);
    const expected = await getSignedUrl(sdk, new PutObjectCommand({
      Bucket: bucket, Key: 'blobs/sha256/0123abcd', ChecksumSHA256: checksum, ContentLength: 1234, Tagging: 'berth-pending=1', IfNoneMatch: '*',
    }), { expiresIn: 900, signableHeaders: signed, unhoistableHeaders: signed });
    const url = await berth.presign('PutObject', bucket, 'blobs/sha256/0123abcd', {
      expiresInSeconds: 900,
      headers: { 'x-amz-checksum-sha256': checksum, 'x-amz-tagging': 'berth-pending=1', 'if-none-match': '*', 'content-length': '1234' },
    });
    expect(url).toBe(expected);
  });
});

describe('presigned URLs', () => {
  it('are signed with each credential\'s own key, several credentials in one region on one day', async () => {
    const other = { accessKeyId: 'AKIAOTHER', secretAccessKey: 'other-secret' };
    for (const signer of [credentials, other, credentials]) {
      const options = { region: 'eu-west-1', credentials: signer };
      const sdk = new S3Client({ ...options, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
      const expected = await getSignedUrl(sdk, new GetObjectCommand({ Bucket: 'berth-blobs', Key: 'blobs/sha256/0123abcd' }), { expiresIn: 300 });
      expect(await new S3Api(options).presign('GetObject', 'berth-blobs', 'blobs/sha256/0123abcd', { expiresInSeconds: 300 })).toBe(expected);
    }
  });

  it('last at least a second and at most the week S3 accepts', async () => {
    const berth = new S3Api({ region: 'eu-west-1', credentials });
    for (const seconds of [0, 604_801, 1.5]) {
      await expect(berth.presign('GetObject', 'berth-blobs', 'blobs/sha256/0123abcd', { expiresInSeconds: seconds })).rejects.toThrow(`a presigned URL lasts 1 to 604800 seconds, not ${seconds}`);
    }
    expect(await berth.presign('GetObject', 'berth-blobs', 'blobs/sha256/0123abcd', { expiresInSeconds: 604_800 })).toContain('X-Amz-Expires=604800&');
  });
});
