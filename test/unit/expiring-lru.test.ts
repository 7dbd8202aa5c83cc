import { describe, expect, it } from 'vitest';
import { ExpiringLru } from '../../lambdas/shared/expiring-lru.js';

describe('ExpiringLru.clear', () => {
  it('forgets every entry: the next get loads again', async () => {
    const cache = new ExpiringLru<string>(10, 60_000, () => 0);
    expect(await cache.get('repo', async () => 'old')).toBe('old');
    expect(await cache.get('repo', async () => 'new')).toBe('old');
    cache.clear();
    expect(await cache.get('repo', async () => 'new')).toBe('new');
  });

  it('does not keep what a load under way during the clear returns, which may predate the change', async () => {
    const cache = new ExpiringLru<string>(10, 60_000, () => 0);
    let finish!: (value: string) => void;
    const pending = cache.get('repo', () => new Promise((resolve) => { finish = resolve; }));
    cache.clear();
    finish('read before the change');
    expect(await pending).toBe('read before the change');
    expect(await cache.get('repo', async () => 'read after')).toBe('read after');
    expect(await cache.get('repo', async () => 'later still')).toBe('read after');
  });
});

describe('ExpiringLru entries', () => {
  it('keep a lookup that found nothing, as one that found something: a repository without a policy is not read again', async () => {
    const cache = new ExpiringLru<string | undefined>(10, 60_000, () => 0);
    let loads = 0;
    const load = async () => { loads += 1; return undefined; };
    await cache.get('no-policy', load);
    await cache.get('no-policy', load);
    expect(loads).toBe(1);
  });

  it('are trusted for the ttl only, and the least recently used goes when the cache is full', () => {
    let now = 0;
    const cache = new ExpiringLru<string>(2, 1000, () => now);
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.peek('a')).toBe('A');
    cache.set('c', 'C');
    expect([cache.peek('a'), cache.peek('b'), cache.peek('c')]).toEqual(['A', undefined, 'C']);
    now = 1000;
    expect(cache.peek('a')).toBeUndefined();
    cache.set('d', 'D');
    cache.delete('d');
    expect(cache.peek('d')).toBeUndefined();
  });
});
