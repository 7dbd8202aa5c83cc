import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The key that seals issued access-key secrets in local mode, kept beside the
 * data it protects but outside the table. On AWS it lives in Secrets Manager.
 */
export function loadOrCreateSealingKey(dataDir: string): Buffer {
  const file = join(dataDir, 'sealing.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  return key;
}
