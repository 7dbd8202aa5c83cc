import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runBerth } from '../../cli/run.js';
import { useRegistry } from '../support/registry.js';

/** berth cache-rule, in-process against the local registry, signed with its administrator's key from the environment. */

const registry = useRegistry();
const scratch = mkdtempSync(join(tmpdir(), 'berth-cache-rule-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

beforeEach(() => {
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_ACCESS_KEY_ID', registry().adminKey.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', registry().adminKey.secretAccessKey);
  vi.stubEnv('AWS_REGION', registry().identity.region);
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(scratch, 'none'));
  vi.stubEnv('AWS_CONFIG_FILE', join(scratch, 'none'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
});
afterEach(() => vi.unstubAllEnvs());

async function berth(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runBerth(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: async () => '',
    env: { BERTH_REGISTRY: registry().url },
  });
  return { code, stdout, stderr };
}

describe('berth cache-rule', () => {
  it('creates rules, lists them, and deletes one', async () => {
    const hub = await berth('cache-rule', 'create', 'hub', 'registry-1.docker.io');
    expect(hub.code, hub.stderr).toBe(0);
    expect(hub.stdout).toMatch(/Prefix:\s+hub\n/);
    expect(hub.stdout).toMatch(/Upstream:\s+registry-1\.docker\.io\n/);
    expect(hub.stdout).toContain(`Pull through it: docker pull ${new URL(registry().url).host}/hub/REPOSITORY:TAG`);
    const ghcr = await berth('cache-rule', 'create', 'gh', 'ghcr.io', '--upstream-prefix', 'my-org', '--json');
    expect(ghcr.code, ghcr.stderr).toBe(0);
    expect(JSON.parse(ghcr.stdout)).toMatchObject({ ecrRepositoryPrefix: 'gh', upstreamRegistryUrl: 'ghcr.io', upstreamRepositoryPrefix: 'my-org' });

    const listed = await berth('cache-rule', 'list');
    const rows = listed.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^PREFIX\s+UPSTREAM\s+UPSTREAM PREFIX\s+CREDENTIALS\s+CREATED$/);
    expect(rows[1]).toMatch(/^gh\s+ghcr\.io\s+my-org\s+-\s+\d{4}-/);
    expect(rows[2]).toMatch(/^hub\s+registry-1\.docker\.io\s+-\s+-\s+\d{4}-/);

    const deleted = await berth('cache-rule', 'delete', 'gh');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain('Deleted cache rule gh (ghcr.io); its repositories keep what they cached.');
    const json = await berth('cache-rule', 'list', '--json');
    expect((JSON.parse(json.stdout) as { pullThroughCacheRules: { ecrRepositoryPrefix: string }[] }).pullThroughCacheRules.map((rule) => rule.ecrRepositoryPrefix)).toEqual(['hub']);
    await berth('cache-rule', 'delete', 'hub');
  });

  it('says what ECR says when a rule exists already, is not there, or names an upstream it cannot use', async () => {
    await berth('cache-rule', 'create', 'quay', 'quay.io');
    const again = await berth('cache-rule', 'create', 'quay', 'quay.io');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('PullThroughCacheRuleAlreadyExistsException');
    const missing = await berth('cache-rule', 'delete', 'nowhere');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('PullThroughCacheRuleNotFoundException');
    const plain = await berth('cache-rule', 'create', 'plain', 'http://registry.example.com');
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toContain('UnsupportedUpstreamRegistryException');
    const usage = await berth('cache-rule', 'create', 'only-prefix');
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toContain('Usage: berth cache-rule create PREFIX UPSTREAM');
    await berth('cache-rule', 'delete', 'quay');
  });
});
