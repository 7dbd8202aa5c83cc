import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_REGION } from './emulators/local-aws.js';

export const ADMIN_PROFILE = 'berth-local';

export interface AccessKeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A key pair shaped like AWS's: a 20-character ID, a 40-character secret. */
export function generateKeyPair(): AccessKeyPair {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = [...randomBytes(16)].map((byte) => alphabet[byte % alphabet.length]).join('');
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString('base64') };
}

/**
 * The local administrator's key, kept in `<dataDir>/credentials` in the AWS
 * shared-credentials format under the profile berth-local, so that AWS tools
 * can use it as-is. Made on first start, then reused.
 */
export function loadOrCreateAdminKey(dataDir: string): { keys: AccessKeyPair; file: string } {
  const { keys: existing, file } = readAdminKey(dataDir);
  const keys = existing ?? generateKeyPair();
  // The region rides along in the profile (the AWS CLI reads it there), so the file alone suffices.
  if (!existing || !readFileSync(file, 'utf8').includes('region =')) {
    writeFileSync(file, `[${ADMIN_PROFILE}]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\nregion = ${LOCAL_REGION}\n`, { mode: 0o600 });
  }
  return { keys, file };
}

/** The administrator's key that local mode keeps in `dataDir`, if it made one; and the file's path either way. */
export function readAdminKey(dataDir: string): { keys: AccessKeyPair | undefined; file: string } {
  const file = join(dataDir, 'credentials');
  return { keys: existsSync(file) ? parseProfile(readFileSync(file, 'utf8'), ADMIN_PROFILE) : undefined, file };
}

function parseProfile(text: string, profile: string): AccessKeyPair | undefined {
  let current: string | undefined;
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const section = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (section) {
      current = section[1]!.trim();
      continue;
    }
    const pair = /^\s*([a-z_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (pair && current === profile) values[pair[1]!] = pair[2]!;
  }
  const { aws_access_key_id: accessKeyId, aws_secret_access_key: secretAccessKey } = values;
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}
