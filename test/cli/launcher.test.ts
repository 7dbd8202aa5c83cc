import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess } from '../support/berth-bins.js';

/**
 * bin/berth.js and bin/docker-credential-berth.js, which `npm link` links: they build their
 * bundle from the checkout when it is missing or older than a source, so no install script is needed.
 * Run from a copy of bin/ (the checkout's own bundles belong to other test files).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const copy = mkdtempSync(join(tmpdir(), 'berth-launcher-'));
mkdirSync(join(copy, 'bin'));
for (const file of ['berth.js', 'docker-credential-berth.js', 'launch.js']) copyFileSync(join(ROOT, 'bin', file), join(copy, 'bin', file));
writeFileSync(join(copy, 'package.json'), JSON.stringify({ type: 'module' }));
symlinkSync(join(ROOT, 'scripts'), join(copy, 'scripts'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

const BUILDING = 'berth: building the CLI from the checkout\'s sources (once after each change)…\n';
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const berth = () => runProcess(process.execPath, [join(copy, 'bin', 'berth.js'), '--version'], process.env);

describe('the launchers npm link links', () => {
  it('build the bundles when there are none, then run them as they are', async () => {
    const first = await berth();
    expect(first).toEqual({ code: 0, stdout: `berth ${version}\n`, stderr: BUILDING });
    expect(existsSync(join(copy, 'bin', 'berth.mjs'))).toBe(true);
    expect(await berth()).toEqual({ code: 0, stdout: `berth ${version}\n`, stderr: '' });
  });

  it('build again when a source is newer than the bundle', async () => {
    // A source of the list that is newer than the bundle, as after an edit or a git pull.
    const source = join(copy, 'newer-source.ts');
    writeFileSync(source, '');
    const future = new Date(Date.now() + 3600_000);
    utimesSync(source, future, future);
    const inputs = join(copy, 'bin', 'berth.mjs.inputs.json');
    writeFileSync(inputs, JSON.stringify([...(JSON.parse(readFileSync(inputs, 'utf8')) as string[]), relative(ROOT, source)]));
    expect(await berth()).toEqual({ code: 0, stdout: `berth ${version}\n`, stderr: BUILDING });
    // The new bundle lists the sources it was built from, all older than itself.
    expect(await berth()).toEqual({ code: 0, stdout: `berth ${version}\n`, stderr: '' });
  });

  it('keep the credential helper\'s stdout for docker\'s protocol while building', async () => {
    for (const bundle of ['berth.mjs', 'docker-credential-berth.mjs']) rmSync(join(copy, 'bin', bundle));
    const helper = await runProcess(process.execPath, [join(copy, 'bin', 'docker-credential-berth.js'), 'version'], process.env);
    expect(helper).toEqual({ code: 0, stdout: 'docker-credential-berth (Berth)\n', stderr: BUILDING });
  });
});
