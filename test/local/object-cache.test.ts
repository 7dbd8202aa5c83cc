import { statSync, utimesSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ObjectCache } from '../../local/emulators/object-cache.js';

/** Local S3's memory of recently read objects: bounded by bytes, least recently read out first, never stale. */

const scratch = mkdtempSync(join(tmpdir(), 'object-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A file of `size` bytes, and its stats. */
function file(name: string, size: number) {
  const path = join(scratch, name);
  writeFileSync(path, Buffer.alloc(size, 1));
  return { path, stats: statSync(path, { bigint: true }), object: { headers: { 'content-length': String(size) }, bytes: Buffer.alloc(size, 1) } };
}

describe('ObjectCache', () => {
  it('keeps objects up to its capacity, dropping the least recently read first', () => {
    const cache = new ObjectCache(100);
    const [a, b, c] = [file('a', 25), file('b', 25), file('c', 25)];
    for (const entry of [a, b, c]) cache.set(entry.path, entry.stats, entry.object, cache.mark());
    // Reading a makes b the least recently read.
    expect(cache.get(a.path, a.stats)).toBe(a.object);
    const d = file('d', 25);
    const e = file('e', 25);
    cache.set(d.path, d.stats, d.object, cache.mark());
    cache.set(e.path, e.stats, e.object, cache.mark());
    expect(cache.get(b.path, b.stats)).toBeUndefined();
    for (const kept of [a, c, d, e]) expect(cache.get(kept.path, kept.stats)).toBe(kept.object);
  });

  it('keeps no object over a quarter of its capacity, and no empty one', () => {
    const cache = new ObjectCache(100);
    const large = file('large', 26);
    const empty = file('empty', 0);
    cache.set(large.path, large.stats, large.object, cache.mark());
    cache.set(empty.path, empty.stats, empty.object, cache.mark());
    expect(cache.has(large.path)).toBe(false);
    expect(cache.has(empty.path)).toBe(false);
  });

  it('forgets an object whose file changed or is gone', () => {
    const cache = new ObjectCache(100);
    const changed = file('changed', 10);
    cache.set(changed.path, changed.stats, changed.object, cache.mark());
    utimesSync(changed.path, new Date(0), new Date(0));
    expect(cache.get(changed.path, statSync(changed.path, { bigint: true }))).toBeUndefined();
    expect(cache.has(changed.path)).toBe(false);
    const gone = file('gone', 10);
    cache.set(gone.path, gone.stats, gone.object, cache.mark());
    expect(cache.get(gone.path, undefined)).toBeUndefined();
    expect(cache.has(gone.path)).toBe(false);
  });

  it('keeps no object read while any metadata was rewritten, and forgets one whose metadata was', () => {
    const cache = new ObjectCache(100);
    const [read, other] = [file('read', 10), file('other', 10)];
    cache.set(other.path, other.stats, other.object, cache.mark());
    const mark = cache.mark();
    cache.rewritten(other.path);
    cache.set(read.path, read.stats, read.object, mark);
    expect(cache.has(read.path)).toBe(false);
    expect(cache.has(other.path)).toBe(false);
    cache.set(read.path, read.stats, read.object, cache.mark());
    expect(cache.get(read.path, read.stats)).toBe(read.object);
  });

  it('keeps nothing with a capacity of 0', () => {
    const cache = new ObjectCache(0);
    const one = file('one', 1);
    cache.set(one.path, one.stats, one.object, cache.mark());
    expect(cache.has(one.path)).toBe(false);
  });
});
