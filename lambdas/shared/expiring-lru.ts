/**
 * A per-instance cache of lookups, bounded in both age and size: an entry is
 * trusted for `ttlMs`, and when more than `maxEntries` are held the least
 * recently used goes. Callers that anyone may drive (anonymous requests naming
 * any repository) cannot grow it without limit. A ttl of 0 caches nothing.
 */
export class ExpiringLru<V> {
  // A Map iterates in insertion order; re-inserting on use keeps the least recently used first.
  private readonly entries = new Map<string, { value: V; until: number }>();
  /** Counts clear() calls: a load that began before one is not kept. */
  private generation = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return load();
    const hit = this.trusted(key);
    if (hit) return hit.value;
    const generation = this.generation;
    const value = await load();
    // It may have read what a clear() during the load was about.
    if (generation === this.generation) this.set(key, value);
    return value;
  }

  /** Forgets every entry, and whatever loads under way will find. */
  clear(): void {
    this.entries.clear();
    this.generation += 1;
  }

  /** The entry's value while it is trusted, else undefined: for values that are never undefined themselves. */
  peek(key: string): V | undefined {
    return this.trusted(key)?.value;
  }

  /** Keeps `value` for the ttl; the least recently used entry goes when the cache is full. */
  set(key: string, value: V): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, until: this.now() + this.ttlMs });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Counts clear() calls: a caller that loads outside get() keeps nothing it read across one. */
  get epoch(): number {
    return this.generation;
  }

  /** The entry while it is trusted, made the most recently used; an expired one goes. */
  private trusted(key: string): { value: V } | undefined {
    const hit = this.entries.get(key);
    this.entries.delete(key);
    if (!hit || hit.until <= this.now()) return undefined;
    this.entries.set(key, hit);
    return hit;
  }
}
