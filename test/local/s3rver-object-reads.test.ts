import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useLocalS3 } from '../support/local-s3.js';

/**
 * Local S3 sends an object's file in large chunks, through buffers reused from one response to the
 * next (local/emulators/s3rver-object-reads.ts): whole objects and ranges of them still come back
 * byte for byte, across chunk boundaries, however many are downloaded at once.
 */

const Bucket = 'object-reads';
const local = useLocalS3(Bucket);
const MiB = 1024 * 1024;

describe('local S3 GetObject', () => {
  const bytes = randomBytes(3 * MiB + 123);

  it('serves an object of several chunks whole, with its length', async () => {
    expect((await fetch(local().url('large'), { method: 'PUT', body: bytes })).status).toBe(200);
    const whole = await fetch(local().url('large'));
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(bytes.length));
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('serves a range across chunk boundaries, and one to the end, as S3 does', async () => {
    const across = await fetch(local().url('large'), { headers: { range: `bytes=${MiB - 10}-${2 * MiB + 9}` } });
    expect(across.status).toBe(206);
    expect(across.headers.get('content-range')).toBe(`bytes ${MiB - 10}-${2 * MiB + 9}/${bytes.length}`);
    expect(Buffer.from(await across.arrayBuffer()).equals(bytes.subarray(MiB - 10, 2 * MiB + 10))).toBe(true);
    const tail = await fetch(local().url('large'), { headers: { range: `bytes=${3 * MiB}-` } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(3 * MiB))).toBe(true);
  });

  it('keeps serving after a client leaves in the middle of an object', async () => {
    const aborted = new AbortController();
    const leaving = await fetch(local().url('large'), { signal: aborted.signal });
    await leaving.body!.getReader().read();
    aborted.abort();
    const again = await fetch(local().url('large'));
    expect(Buffer.from(await again.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('serves many objects at once, each its own bytes, through the buffers the others leave', async () => {
    const objects = Array.from({ length: 6 }, (_, index) => randomBytes(MiB + 1000 * index));
    await Promise.all(objects.map(async (object, index) => expect((await fetch(local().url(`many/${index}`), { method: 'PUT', body: object })).status).toBe(200)));
    for (let round = 0; round < 3; round++) {
      const served = await Promise.all(objects.map(async (_, index) => Buffer.from(await (await fetch(local().url(`many/${index}`))).arrayBuffer())));
      served.forEach((bytes, index) => expect(bytes.equals(objects[index]!), `object ${index}, round ${round}`).toBe(true));
    }
  });
});
