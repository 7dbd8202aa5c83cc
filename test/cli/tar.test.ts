import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanTar } from '../../cli/transfer/tar.js';

/** The tar reader of docker-archive:, against archives GNU tar writes in its formats: long names, links. */

const work = mkdtempSync(join(tmpdir(), 'berth-tar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('scanTar', () => {
  // Two directories, since ustar cannot hold one directory name over 100 characters.
  const longDir = `${'d'.repeat(60)}/${'e'.repeat(59)}`;
  const longPath = `${longDir}/layer.tar`;
  const bytes = randomBytes(70_000);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

  /** A tree with a 130-character file name and `link.tar`, a symlink to `linkTarget`. */
  function tree(name: string, linkTarget: string): string {
    const src = join(work, name);
    mkdirSync(join(src, longDir), { recursive: true });
    mkdirSync(join(src, 'short'));
    writeFileSync(join(src, longPath), bytes);
    writeFileSync(join(src, 'short', 'layer.tar'), bytes);
    writeFileSync(join(src, 'manifest.json'), '[]');
    symlinkSync(linkTarget, join(src, 'link.tar'));
    return src;
  }

  // ustar splits names of up to 255 characters at a '/', but holds link names of only 100.
  it.each([
    { format: 'gnu', linkTarget: longPath },
    { format: 'pax', linkTarget: longPath },
    { format: 'ustar', linkTarget: 'short/layer.tar' },
  ])('reads $format archives: sizes, digests, long names and symlinks', async ({ format, linkTarget }) => {
    const file = join(work, `${format}.tar`);
    execFileSync('tar', ['-C', tree(format, linkTarget), `--format=${format}`, '-cf', file, '.'], { stdio: 'pipe' });
    const entries = await scanTar(file);
    expect(entries.get(longPath)).toMatchObject({ size: bytes.length, digest });
    expect(entries.get('link.tar')).toMatchObject({ size: bytes.length, digest });
    expect(entries.get('manifest.json')?.size).toBe(2);
  });

  it('refuses what is not a tar', async () => {
    const file = join(work, 'not.tar');
    writeFileSync(file, randomBytes(2048));
    await expect(scanTar(file)).rejects.toThrow(/not a tar archive/);
  });
});
