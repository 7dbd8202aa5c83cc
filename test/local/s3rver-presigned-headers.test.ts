import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { useLocalS3 } from '../support/local-s3.js';

/**
 * Local S3 refuses a presigned request that leaves out a header its signature covers, as S3 does
 * (SignatureDoesNotMatch): a signed If-None-Match or checksum binds whoever holds the URL.
 */

const Bucket = 'presigned';
const local = useLocalS3(Bucket);
const SIGNED = new Set(['if-none-match', 'x-amz-checksum-sha256']);

async function presignedPut(Key: string, bytes: Buffer): Promise<{ url: string; headers: Record<string, string> }> {
  const checksum = createHash('sha256').update(bytes).digest('base64');
  const command = new PutObjectCommand({ Bucket, Key, ChecksumSHA256: checksum, IfNoneMatch: '*' });
  const url = await getSignedUrl(local().client, command, { expiresIn: 60, signableHeaders: SIGNED, unhoistableHeaders: SIGNED });
  return { url, headers: { 'if-none-match': '*', 'x-amz-checksum-sha256': checksum } };
}

describe("local S3's check of presigned headers", () => {
  it('refuses a presigned PUT without one of its signed headers, storing nothing', async () => {
    const bytes = randomBytes(500);
    const put = await presignedPut('signed', bytes);
    for (const left of Object.keys(put.headers)) {
      const headers = Object.fromEntries(Object.entries(put.headers).filter(([name]) => name !== left));
      const refused = await fetch(put.url, { method: 'PUT', body: bytes, headers });
      expect(refused.status, left).toBe(403);
      expect(await refused.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    }
    expect((await fetch(local().url('signed'), { method: 'HEAD' })).status).toBe(403);
    expect((await fetch(put.url, { method: 'PUT', body: bytes, headers: put.headers })).status).toBe(200);
    expect((await fetch(put.url, { method: 'PUT', body: bytes, headers: put.headers })).status).toBe(412);
  });

  it('serves a presigned GET, which signs only the host', async () => {
    const bytes = randomBytes(100);
    await fetch(local().url('read'), { method: 'PUT', body: bytes });
    const url = await getSignedUrl(local().client, new GetObjectCommand({ Bucket, Key: 'read' }), { expiresIn: 60 });
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(bytes)).toBe(true);
  });
});
