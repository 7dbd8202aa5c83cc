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
