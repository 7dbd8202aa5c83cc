import type { TokenKeySet, TokenKeySource } from './token-keys.js';

/** How long an instance trusts the keys it read; a rotation reaches it within this time. */
const CACHE_MS = 5 * 60 * 1000;

export interface CachedTokenKeyOptions {
  /** The least time between two reads prompted by tokens signed with a key the instance does not know. */
  refreshSeconds: number;
  now?: () => number;
}

/**
 * Token-signing keys read by `read` and kept for a while, wherever they live
 * (Secrets Manager on AWS, the data directory locally), so a request does not
 * read them again.
 *
 * A token signed with a key this instance has not read is most likely from an
 * instance that already saw a rotation: the keys are read again at once rather
 * than when the cache expires, but at most once per `refreshSeconds`, so tokens
 * naming made-up keys cannot turn every request into a read.
 */
export function cachedTokenKeys(read: () => Promise<TokenKeySet>, options: CachedTokenKeyOptions): TokenKeySource {
  const now = options.now ?? Date.now;
  const refreshMs = options.refreshSeconds * 1000;
  let cached: { keys: TokenKeySet; readAt: number } | undefined;
  // One read at a time: the requests a cold instance takes at once share it.
  let reading: Promise<TokenKeySet> | undefined;
  return async (wantedKid) => {
    if (cached) {
      const age = now() - cached.readAt;
      const unknown = wantedKid !== undefined && !knows(cached.keys, wantedKid);
      if (age < CACHE_MS && !(unknown && age >= refreshMs)) return cached.keys;
    }
    reading ??= read()
      .then((keys) => {
        cached = { keys, readAt: now() };
        return keys;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
}

function knows(keys: TokenKeySet, kid: string): boolean {
  return keys.current.kid === kid || keys.previous.some((key) => key.kid === kid);
}
