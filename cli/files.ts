import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Files that more than one process may write at once (the token cache, the
 * docker config): written whole to a temporary file and renamed over the old
 * one, so a reader sees the old content or the new, never a mix; updates
 * read-modify-write under a lock file, so that one writer does not drop another's change.
 */

/** Writes `content` to `path` through a temporary file in the same directory and a rename. */
export function writeFileAtomic(path: string, content: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', mode);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** The file's text, or undefined when there is none. */
export function readFileIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export interface LockOptions {
  /** How long to wait for another holder; default 5 s. */
  timeoutMs?: number;
  /** A lock older than this is left over from a process that died, and is broken; default 10 s. */
  staleMs?: number;
}

/** Thrown when the lock stays taken for longer than the timeout. */
export class LockTimeout extends Error {
  constructor(lockPath: string) {
    super(`${lockPath} stayed locked`);
    this.name = 'LockTimeout';
  }
}

/**
 * Runs `update` while holding `<path>.lock`, a file created exclusively (O_EXCL),
 * which works on every local file system and needs no native module.
 */
export function withFileLock<T>(path: string, update: () => T, options: LockOptions = {}): T {
  const lockPath = `${path}.lock`;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const staleMs = options.staleMs ?? 10_000;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      closeSync(openSync(lockPath, 'wx', 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    breakIfStale(lockPath, staleMs);
    if (Date.now() > deadline) throw new LockTimeout(lockPath);
    sleep(5 + Math.random() * 20);
  }
  try {
    return update();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

function breakIfStale(lockPath: string, staleMs: number): void {
  try {
    if (Date.now() - statSync(lockPath).mtimeMs > staleMs) unlinkSync(lockPath);
  } catch {
    // Released (or broken by another waiter) meanwhile: try again.
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread: these processes do one thing at a time, and the waits are milliseconds. */
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
