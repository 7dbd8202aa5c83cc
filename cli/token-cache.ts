import { readFileIfExists, withFileLock, writeFileAtomic } from './files.js';

/**
 * Registry tokens the credential helper fetched, per registry and principal, in
 * a JSON file only its owner may read (0600). Readers need no lock: the file
 * is replaced whole by a rename. Writers take a lock, read the file again and
 * merge their entry in, so two helpers writing at once each keep their token.
 */

/** Refresh a token when less than this remains (or less than half its lifetime, if that is shorter). */
export const REFRESH_BEFORE_MS = 30 * 60 * 1000;

export interface CachedToken {
  /** The registry's URL. */
  registry: string;
  /** The access key the token was fetched with: whose token it is. */
  principal: string;
  /** Which token route was asked: all actions, or pull only. */
  scope: TokenScope;
  /** The token actually grants pull only (the full route was refused, the pull-only one was not). */
  pullOnly: boolean;
  password: string;
  /** ISO timestamps. */
  issuedAt: string;
  expiresAt: string;
}

export type TokenScope = 'all' | 'pull';

interface CacheFile {
  version: 1;
  tokens: Record<string, CachedToken>;
}

function keyOf(registry: string, principal: string, scope: TokenScope): string {
  return `${registry} ${principal} ${scope}`;
}

/** Still good for a while: more than REFRESH_BEFORE_MS left, or more than half its lifetime for short-lived tokens. */
export function isFresh(token: CachedToken, now: Date): boolean {
  const expires = Date.parse(token.expiresAt);
  const lifetime = expires - Date.parse(token.issuedAt);
  const margin = Math.min(REFRESH_BEFORE_MS, lifetime / 2);
  return expires - now.getTime() > margin;
}

function isCachedToken(value: unknown): value is CachedToken {
  if (typeof value !== 'object' || value === null) return false;
  const token = value as Record<string, unknown>;
  return ['registry', 'principal', 'password', 'issuedAt', 'expiresAt'].every((field) => typeof token[field] === 'string')
    && (token.scope === 'all' || token.scope === 'pull')
    && typeof token.pullOnly === 'boolean'
    && !Number.isNaN(Date.parse(token.expiresAt as string)) && !Number.isNaN(Date.parse(token.issuedAt as string));
}

export class TokenCache {
  /** Problems met reading the file (it is then taken as empty), for the helper's log. */
  readonly problems: string[] = [];

  constructor(readonly file: string) {}

  /** The cached token, if it is fresh. */
  get(registry: string, principal: string, scope: TokenScope, now: Date): CachedToken | undefined {
    const token = this.read().tokens[keyOf(registry, principal, scope)];
    return token && isFresh(token, now) ? token : undefined;
  }

  /** Every token that has not expired. */
  list(now: Date): CachedToken[] {
    return Object.values(this.read().tokens).filter((token) => Date.parse(token.expiresAt) > now.getTime());
  }

  /** Adds or replaces a token, dropping expired ones. */
  put(token: CachedToken, now: Date): void {
    this.update((tokens) => {
      tokens[keyOf(token.registry, token.principal, token.scope)] = token;
      for (const [key, entry] of Object.entries(tokens)) {
        if (Date.parse(entry.expiresAt) <= now.getTime()) delete tokens[key];
      }
    });
  }

  /** Forgets every token of a registry; says how many there were. */
  remove(registry: string): number {
    let removed = 0;
    this.update((tokens) => {
      for (const [key, entry] of Object.entries(tokens)) {
        if (entry.registry === registry) {
          delete tokens[key];
          removed += 1;
        }
      }
    });
    return removed;
  }

  private update(change: (tokens: Record<string, CachedToken>) => void): void {
    withFileLock(this.file, () => {
      const { tokens } = this.read();
      change(tokens);
      const content: CacheFile = { version: 1, tokens };
      writeFileAtomic(this.file, `${JSON.stringify(content, null, 2)}\n`, 0o600);
    });
  }

  private read(): CacheFile {
    let text: string | undefined;
    try {
      text = readFileIfExists(this.file);
    } catch (error) {
      this.problems.push(`cannot read ${this.file}: ${(error as Error).message}`);
    }
    if (text === undefined) return { version: 1, tokens: {} };
    try {
      const parsed = JSON.parse(text) as Partial<CacheFile>;
      const tokens = Object.fromEntries(Object.entries(parsed.tokens ?? {}).filter(([, token]) => isCachedToken(token)));
      return { version: 1, tokens };
    } catch (error) {
      this.problems.push(`${this.file} is not valid JSON, so it is ignored and will be replaced: ${(error as Error).message}`);
      return { version: 1, tokens: {} };
    }
  }
}
