import { describe, expect, it } from 'vitest';
import { useInProcessBerth } from '../support/in-process-berth.js';
import { useRegistry } from '../support/registry.js';

/** berth cache-rule, in-process against the local registry, signed with its administrator's key from the environment. */

const registry = useRegistry();
const run = useInProcessBerth(registry);
const berth = (...args: string[]) => run(args);

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
