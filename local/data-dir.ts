import { chmodSync, mkdirSync, statSync } from 'node:fs';

/** Owner only: the directory holds the table, the objects, the administrator's key and the token signing keys. */
const PRIVATE_MODE = 0o700;
const STICKY = 0o1000;

/**
 * Creates local mode's data directory, or takes an existing one, and makes it private to its
 * owner. A directory of another user, or one shared by design (sticky, as /tmp), is refused
 * rather than taken from the others who use it.
 */
export function preparePrivateDataDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_MODE });
  const { uid, mode } = statSync(path);
  const owner = process.getuid?.();
  if ((owner !== undefined && uid !== owner) || (mode & STICKY) !== 0) {
    throw new Error(`BERTH_DATA_DIR must be a directory of your own, not shared: ${path} is ${(mode & STICKY) !== 0 ? 'a shared (sticky) directory' : `owned by user ${uid}`}; choose another, e.g. a new directory under your home`);
  }
  chmodSync(path, PRIVATE_MODE);
}
