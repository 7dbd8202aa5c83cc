import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { preparePrivateDataDir } from '../../local/data-dir.js';

/** Local mode's data directory (the table, objects, administrator's key, signing keys) is its owner's alone. */

const root = mkdtempSync(join(tmpdir(), 'berth-data-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const modeOf = (path: string) => statSync(path).mode & 0o7777;

describe.runIf(process.platform !== 'win32')('the data directory', () => {
  it('is created with mode 0700, parents included', () => {
    const path = join(root, 'new', 'data');
    preparePrivateDataDir(path);
    expect(modeOf(path)).toBe(0o700);
  });

  it('is made private when it exists open to others', () => {
    const path = join(root, 'open');
    mkdirSync(path);
    chmodSync(path, 0o755);
    preparePrivateDataDir(path);
    expect(modeOf(path)).toBe(0o700);
  });

  it('is refused, and left as it is, when shared by design (sticky, as /tmp)', () => {
    const path = join(root, 'shared');
    mkdirSync(path);
    chmodSync(path, 0o1777);
    expect(() => preparePrivateDataDir(path)).toThrow(/must be a directory of your own.*shared \(sticky\)/);
    expect(modeOf(path)).toBe(0o1777);
  });

  it.runIf(process.getuid?.() === 0)('is refused, and left as it is, when another user owns it', () => {
    const path = join(root, 'theirs');
    mkdirSync(path);
    chmodSync(path, 0o755);
    chownSync(path, 1, 1);
    expect(() => preparePrivateDataDir(path)).toThrow(/must be a directory of your own.*owned by user 1/);
    expect(modeOf(path)).toBe(0o755);
  });
});
