import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useLocalS3 } from '../support/local-s3.js';

/**
 * Local S3 answers a GET or HEAD of a missing key as S3 answers Berth's roles, which do not hold
 * s3:ListBucket: 403 AccessDenied, not 404.
 */

const Bucket = 'missing-keys';
const local = useLocalS3(Bucket);

async function failure(promise: Promise<unknown>): Promise<{ name?: string; status?: number }> {
  return promise.then(() => ({}), (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => ({ name: error.name, status: error.$metadata?.httpStatusCode }));
}

describe("local S3's answer to a missing key", () => {
  it('answers HeadObject and GetObject of a missing key with 403 AccessDenied', async () => {
    expect(await failure(local().client.send(new HeadObjectCommand({ Bucket, Key: 'absent' })))).toMatchObject({ status: 403 });
    expect(await failure(local().client.send(new GetObjectCommand({ Bucket, Key: 'absent' })))).toEqual({ name: 'AccessDenied', status: 403 });
    const plain = await fetch(local().url('absent/deeper'));
    expect(plain.status).toBe(403);
    expect(await plain.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('serves a key that exists, and answers 403 once it is deleted', async () => {
    const bytes = randomBytes(100);
    expect((await fetch(local().url('present'), { method: 'PUT', body: bytes })).status).toBe(200);
    expect((await fetch(local().url('present'), { method: 'HEAD' })).status).toBe(200);
    expect(Buffer.from(await (await fetch(local().url('present'))).arrayBuffer()).equals(bytes)).toBe(true);
    expect((await fetch(local().url('present'), { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(local().url('present'), { method: 'HEAD' })).status).toBe(403);
  });

  it('leaves the answers of other reads of a missing key to s3rver', async () => {
    // GetObjectTagging, not GetObject: S3's NoSuchKey, as before.
    const tagging = await fetch(`${local().url('absent')}?tagging`);
    expect(tagging.status).toBe(404);
    expect(await tagging.text()).toContain('<Code>NoSuchKey</Code>');
  });
});
