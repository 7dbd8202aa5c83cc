import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedTokenKeys } from '../lambdas/auth/cached-token-keys.js';
import type { TokenKey, TokenKeySet, TokenKeySource } from '../lambdas/auth/token-keys.js';
import { DEFAULT_TOKEN_KEY_REFRESH_SECONDS } from '../lambdas/shared/config.js';

interface StoredKey {
  kid: string;
  secret: string;
  createdAt: string;
}

/** How many earlier keys keep verifying after a rotation; tokens live 12 hours by default. */
const KEPT_PREVIOUS = 2;

function keyFile(dataDir: string): string {
  return join(dataDir, 'token-keys.json');
}

function read(dataDir: string): StoredKey[] {
  const file = keyFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { keys: StoredKey[] }).keys : [];
}

function write(dataDir: string, keys: StoredKey[]): void {
  writeFileSync(keyFile(dataDir), `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
}

function toKey(stored: StoredKey): TokenKey {
  return { kid: stored.kid, secret: Buffer.from(stored.secret, 'base64') };
}

/**
 * Local mode's token-signing keys, newest first, in `<dataDir>/token-keys.json`:
 * what Secrets Manager's current and previous versions are on AWS.
 */
export function localTokenKeys(dataDir: string): TokenKeySet {
  let keys = read(dataDir);
  if (keys.length === 0) {
    keys = [newKey()];
    write(dataDir, keys);
  }
  const [current, ...previous] = keys.map(toKey);
  return { current: current!, previous };
}

/**
 * The keys in the data directory as the registry reads them: kept as on AWS,
 * so a request does not read the file, and a key added to it is picked up once
 * a token names it (BERTH_TOKEN_KEY_REFRESH_SECONDS's default apart).
 */
export function localTokenKeySource(dataDir: string): TokenKeySource {
  return cachedTokenKeys(async () => localTokenKeys(dataDir), { refreshSeconds: DEFAULT_TOKEN_KEY_REFRESH_SECONDS });
}

/** Makes a new signing key current; the earlier ones keep verifying the tokens they signed. */
export function rotateLocalTokenKey(dataDir: string): TokenKeySet {
  write(dataDir, [newKey(), ...read(dataDir)].slice(0, KEPT_PREVIOUS + 1));
  return localTokenKeys(dataDir);
}

function newKey(): StoredKey {
  return { kid: randomUUID(), secret: randomBytes(32).toString('base64'), createdAt: new Date().toISOString() };
}
