import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { s3Client } from '../../lambdas/shared/aws-clients.js';
import { S3ObjectUrls } from '../../lambdas/store/s3-object-urls.js';

/**
 * Download URLs signed without a command per URL are the URLs the SDK's getSignedUrl makes, byte
 * for byte (signature included, at the same instant), whatever style and partition the SDK picks.
 * That they work is what every blob download test checks: local S3 verifies each signature.
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
  { where: 'S3 with a bucket name that holds dots (path-style)', region: 'eu-west-1', bucket: 'berth.blobs' },
  { where: 'S3 in China', region: 'cn-north-1', bucket: 'berth-blobs' },
])('download URLs on $where', ({ region, endpoint, bucket }) => {
  const client = s3Client({ region, credentials, ...(endpoint ? { endpoint } : {}) });
  const urls = new S3ObjectUrls(client, bucket);

  it.each(['blobs/sha256/0123abcd', 'blobs/uploads/5f0c1d2e-aaaa-4bbb-8ccc-123456789abc', "odd key (with) !*' and space/ü"])('are the SDK\'s own for %s', async (key) => {
    const expected = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 });
    expect(await urls.presignGet(key, 300)).toBe(expected);
  });
});

it('refuses to sign when the SDK\'s URL does not end in the key, rather than sign URLs of the wrong objects', async () => {
  const client = s3Client({ region: 'eu-west-1', credentials });
  // A client whose requests gain a path after the key: where keys go can no longer be told.
  client.middlewareStack.add((next) => (args) => {
    (args.request as { path: string }).path += '/suffix';
    return next(args);
  }, { step: 'build', name: 'pathAfterKey' });
  await expect(new S3ObjectUrls(client, 'berth-blobs').presignGet('blobs/sha256/0123abcd', 300)).rejects.toThrow(/cannot tell where keys go/);
});
