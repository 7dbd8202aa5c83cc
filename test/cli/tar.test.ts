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
  const longDir = 'd'.repeat(120);
  const bytes = randomBytes(70_000);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const src = join(work, 'src');
  mkdirSync(join(src, longDir), { recursive: true });
  writeFileSync(join(src, longDir, 'layer.tar'), bytes);
  writeFileSync(join(src, 'manifest.json'), '[]');
  symlinkSync(`${longDir}/layer.tar`, join(src, 'link.tar'));

  it.each(['gnu', 'pax', 'ustar'])('reads %s archives: sizes, digests, long names and symlinks', async (format) => {
    const file = join(work, `${format}.tar`);
    try {
      execFileSync('tar', ['-C', src, `--format=${format}`, '-cf', file, '.'], { stdio: 'pipe' });
    } catch (error) {
      // ustar cannot hold the long link name.
      if (format === 'ustar') return;
      throw error;
    }
    const entries = await scanTar(file);
    expect(entries.get(`${longDir}/layer.tar`)).toMatchObject({ size: bytes.length, digest });
    expect(entries.get('link.tar')).toMatchObject({ size: bytes.length, digest });
    expect(entries.get('manifest.json')?.size).toBe(2);
  });

  it('refuses what is not a tar', async () => {
    const file = join(work, 'not.tar');
    writeFileSync(file, randomBytes(2048));
    await expect(scanTar(file)).rejects.toThrow(/not a tar archive/);
  });
});
