import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientEnv, freshHome, runBerthBundle, runProcess, useBerthBins } from '../support/berth-bins.js';
import { useRegistry } from '../support/registry.js';

/**
 * The `aws ecr` examples `berth access-key create` prints work as printed, pasted into a shell,
 * with each major version of the AWS CLI on this machine (v1 reads no AWS_REGION).
 */

const registry = useRegistry();
const bins = useBerthBins();

/** Every `aws` on PATH and Debian's, by major version (one each). */
function awsClis(): Map<string, string> {
  const found = new Map<string, string>();
  const candidates = [...(spawnSync('which', ['-a', 'aws'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean), '/usr/bin/aws'];
  for (const path of candidates) {
    const version = /aws-cli\/(\d+)\./.exec(spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1];
    if (version && !found.has(version)) found.set(version, path);
  }
  return found;
}

const clis = awsClis();

describe('the aws ecr examples of berth access-key create', () => {
  it.skipIf(clis.size === 0)('run as printed with every AWS CLI version found, with no region configured', async () => {
    const home = freshHome(bins());
    const created = await runBerthBundle(bins(), ['access-key', 'create', 'example-robot', '--registry', registry().url], clientEnv(bins(), home, { credentials: registry().adminKey }));
    expect(created.code, created.stderr).toBe(0);
    const examples = created.stdout.split('\n').filter((line) => line.startsWith('  AWS_ACCESS_KEY_ID='));
    expect(examples).toHaveLength(2);
    const [describeLine, loginLine] = examples.map((line) => line.trim()) as [string, string];

    for (const [version, path] of clis) {
      const userHome = freshHome(bins(), `aws-v${version}`);
      const binDir = join(userHome, 'bin');
      mkdirSync(binDir);
      symlinkSync(path, join(binDir, 'aws'));
      // A shell of a user with no AWS settings at all: no region in the environment or a profile.
      const { AWS_REGION: _region, ...env } = clientEnv(bins(), userHome, { extra: { PATH: [binDir, process.env.PATH].join(delimiter), AWS_PAGER: '' } });
      const described = await runProcess('bash', ['-c', describeLine], env);
      expect(described.code, `aws v${version}: ${described.stderr}`).toBe(0);
      expect(JSON.parse(described.stdout)).toHaveProperty('repositories');
      const loggedIn = await runProcess('bash', ['-o', 'pipefail', '-c', loginLine], env);
      expect(loggedIn.code, `aws v${version}: ${loggedIn.stderr}`).toBe(0);
      expect(loggedIn.stdout).toContain('Login Succeeded');
    }
  });
});
