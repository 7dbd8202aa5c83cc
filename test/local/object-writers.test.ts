import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ObjectWriters } from '../../local/emulators/object-writers.js';

/** Local S3's writer threads: the file and its hashes, and no file and no hang when anything fails. */

const directory = mkdtempSync(join(tmpdir(), 'berth-writers-'));
const writers = new ObjectWriters(2);
const MiB = 1024 * 1024;

afterAll(async () => {
  await writers.close();
  rmSync(directory, { recursive: true, force: true });
});

const hex = (algorithm: string, bytes: Buffer) => createHash(algorithm).update(bytes).digest('hex');

describe('object writer threads', () => {
  it('writes what streams in, with its MD5 and SHA-256, for several writes at once', async () => {
    const bodies = [randomBytes(24 * MiB), randomBytes(3 * MiB), Buffer.alloc(0)];
    const written = await Promise.all(bodies.map((body, index) => writers.write(join(directory, `file-${index}`), Readable.from([body.subarray(0, 1000), body.subarray(1000)]), ['md5', 'sha256'])));
    for (const [index, body] of bodies.entries()) {
      expect(written[index]).toEqual({ size: body.length, digests: { md5: hex('md5', body), sha256: hex('sha256', body) } });
      expect(readFileSync(join(directory, `file-${index}`)).equals(body)).toBe(true);
    }
  });

  it('leaves no file when the stream fails part way', async () => {
    const path = join(directory, 'failed');
    const body = new PassThrough();
    const writing = writers.write(path, body, ['md5']);
    // More than the stream buffers: 'drain' says the writer has taken it in.
    body.write(randomBytes(MiB));
    await once(body, 'drain');
    body.destroy(new Error('client went away'));
    await expect(writing).rejects.toThrow('client went away');
    await expect.poll(() => existsSync(path)).toBe(false);
  });

  it('fails a write the thread cannot make, and goes on writing', async () => {
    await expect(writers.write(join(directory, 'no-such-directory', 'file'), Readable.from([Buffer.from('x')]), ['md5'])).rejects.toThrow(/writing the object failed: .*ENOENT/);
    const after = await writers.write(join(directory, 'after'), Readable.from([Buffer.from('after')]), ['md5']);
    expect(after.digests.md5).toBe(hex('md5', Buffer.from('after')));
  });

  it('fails, rather than hangs, the writes in progress when the threads stop', async () => {
    const own = new ObjectWriters(1);
    const body = new PassThrough();
    const writing = own.write(join(directory, 'stopped'), body, ['md5']);
    body.write(randomBytes(MiB));
    await once(body, 'drain');
    await own.close();
    body.end(randomBytes(1000));
    await expect(writing).rejects.toThrow('the object writer thread stopped');
  });
});
