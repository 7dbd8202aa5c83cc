import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { useLocalS3 } from '../support/local-s3.js';

/**
 * Local mode's S3 (s3rver, extended): x-amz-checksum-sha256 is checked as S3
 * checks it, and streamed bodies are written by worker threads that leave
 * nothing behind when a request fails; `If-None-Match: *` only creates. A HEAD
 * of a missing key answers 403, as S3 answers a caller without s3:ListBucket.
 */

const local = useLocalS3('extensions');
const url = (key: string) => local().url(key);
const files = () => local().files();
const base64Sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

describe("local S3's SHA-256 checksums", () => {
  it('returns the checksum on PUT, and on HEAD only when asked for, never the metadata that keeps it', async () => {
    const bytes = randomBytes(2000);
    const put = await fetch(url('object'), { method: 'PUT', body: bytes, headers: { 'x-amz-checksum-sha256': base64Sha256(bytes) } });
    expect(put.status).toBe(200);
    expect(put.headers.get('x-amz-checksum-sha256')).toBe(base64Sha256(bytes));
    expect(put.headers.get('etag')).toBe(`"${createHash('md5').update(bytes).digest('hex')}"`);
    const asked = await fetch(url('object'), { method: 'HEAD', headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    expect(asked.headers.get('x-amz-checksum-sha256')).toBe(base64Sha256(bytes));
    const plain = await fetch(url('object'));
    expect(Buffer.from(await plain.arrayBuffer()).equals(bytes)).toBe(true);
    expect(plain.headers.get('x-amz-checksum-sha256')).toBeNull();
    expect([...plain.headers.keys()].filter((name) => name.startsWith('x-amz-meta-'))).toEqual([]);
  });

  it('refuses a body that differs with BadDigest, keeping what the key held', async () => {
    const first = randomBytes(3000);
    await fetch(url('kept'), { method: 'PUT', body: first });
    const refused = await fetch(url('kept'), { method: 'PUT', body: randomBytes(3000), headers: { 'x-amz-checksum-sha256': base64Sha256(randomBytes(3000)) } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('<Code>BadDigest</Code>');
    expect(Buffer.from(await (await fetch(url('kept'))).arrayBuffer()).equals(first)).toBe(true);
    expect(files().filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('refuses a malformed checksum with InvalidRequest and stores nothing', async () => {
    const refused = await fetch(url('malformed'), { method: 'PUT', body: 'abc', headers: { 'x-amz-checksum-sha256': 'not-a-checksum' } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('<Code>InvalidRequest</Code>');
    expect((await fetch(url('malformed'), { method: 'HEAD' })).status).toBe(403);
  });

  it('ignores a checksum a client writes as metadata', async () => {
    const bytes = randomBytes(100);
    const put = await fetch(url('forged'), { method: 'PUT', body: randomBytes(100), headers: { 'x-amz-meta-berth-checksum-sha256': base64Sha256(bytes) } });
    expect(put.status).toBe(200);
    const head = await fetch(url('forged'), { method: 'HEAD', headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-amz-checksum-sha256')).toBeNull();
  });

  it('forgets the checksum when the object is overwritten without one', async () => {
    const bytes = randomBytes(100);
    await fetch(url('overwritten'), { method: 'PUT', body: bytes, headers: { 'x-amz-checksum-sha256': base64Sha256(bytes) } });
    await fetch(url('overwritten'), { method: 'PUT', body: randomBytes(100) });
    const head = await fetch(url('overwritten'), { method: 'HEAD', headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    expect(head.headers.get('x-amz-checksum-sha256')).toBeNull();
  });
});

describe("local S3's conditional writes (If-None-Match: *)", () => {
  const bodyOf = async (key: string) => Buffer.from(await (await fetch(url(key))).arrayBuffer());

  it('creates an object at a free key, and refuses with 412 to replace it, keeping what it held', async () => {
    const first = randomBytes(1000);
    expect((await fetch(url('once'), { method: 'PUT', body: first, headers: { 'if-none-match': '*' } })).status).toBe(200);
    const refused = await fetch(url('once'), { method: 'PUT', body: randomBytes(1000), headers: { 'if-none-match': '*' } });
    expect(refused.status).toBe(412);
    expect(await refused.text()).toContain('<Code>PreconditionFailed</Code>');
    expect((await bodyOf('once')).equals(first)).toBe(true);
    expect(files().filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('refuses a PUT whose body is the same, checksum and all', async () => {
    const bytes = randomBytes(1000);
    const headers = { 'if-none-match': '*', 'x-amz-checksum-sha256': base64Sha256(bytes) };
    expect((await fetch(url('same'), { method: 'PUT', body: bytes, headers })).status).toBe(200);
    expect((await fetch(url('same'), { method: 'PUT', body: bytes, headers })).status).toBe(412);
  });

  it('lets exactly one of concurrent creates of a key win, and keeps its bytes', async () => {
    const bodies = [1, 2, 3, 4].map(() => randomBytes(3 * 1024 * 1024));
    const statuses = await Promise.all(bodies.map(async (body) => (await fetch(url('raced'), { method: 'PUT', body, headers: { 'if-none-match': '*' } })).status));
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(3);
    expect((await bodyOf('raced')).equals(bodies[statuses.indexOf(200)]!)).toBe(true);
  });

  it('replaces an object when the PUT carries no condition', async () => {
    await fetch(url('replaced'), { method: 'PUT', body: randomBytes(10), headers: { 'if-none-match': '*' } });
    const second = randomBytes(10);
    expect((await fetch(url('replaced'), { method: 'PUT', body: second })).status).toBe(200);
    expect((await bodyOf('replaced')).equals(second)).toBe(true);
  });
});

describe("local S3's streamed writes", () => {
  it('stores large bodies from concurrent uploads intact', async () => {
    const bodies = [randomBytes(20 * 1024 * 1024), randomBytes(12 * 1024 * 1024), randomBytes(7 * 1024 * 1024)];
    const puts = await Promise.all(bodies.map((body, index) => fetch(url(`large/${index}`), { method: 'PUT', body, headers: { 'x-amz-checksum-sha256': base64Sha256(body) } })));
    expect(puts.map((put) => put.status)).toEqual([200, 200, 200]);
    for (const [index, body] of bodies.entries()) {
      expect(Buffer.from(await (await fetch(url(`large/${index}`))).arrayBuffer()).equals(body)).toBe(true);
    }
  });

  it('leaves no object and no partial file when the client goes away mid-upload', async () => {
    const put = request(url('abandoned'), { method: 'PUT', headers: { 'content-length': String(10 * 1024 * 1024) } });
    const gone = new Promise<void>((resolve) => put.on('error', () => resolve()));
    put.write(randomBytes(3 * 1024 * 1024));
    // The client goes away once the server has begun writing the object.
    await expect.poll(() => files().some((name) => name.startsWith('abandoned')), { timeout: 10_000, interval: 10 }).toBe(true);
    put.destroy();
    await gone;
    await expect.poll(() => files().filter((name) => name.startsWith('abandoned')), { timeout: 10_000 }).toEqual([]);
    expect((await fetch(url('abandoned'), { method: 'HEAD' })).status).toBe(403);
  });

  it('answers a body it cannot write with an S3 error and goes on serving', async () => {
    // One path segment longer than a file name may be: the write itself fails.
    const failed = await fetch(url('x'.repeat(300)), { method: 'PUT', body: randomBytes(1000) });
    expect(failed.status).toBe(500);
    expect(await failed.text()).toContain('<Code>InternalError</Code>');
    expect(files().filter((name) => name.includes('partial'))).toEqual([]);
    const bytes = randomBytes(1000);
    expect((await fetch(url('after'), { method: 'PUT', body: bytes })).status).toBe(200);
    expect(Buffer.from(await (await fetch(url('after'))).arrayBuffer()).equals(bytes)).toBe(true);
  });
});
