import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreatePullThroughCacheRuleCommand, DeletePullThroughCacheRuleCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import { afterAll, expect, it } from 'vitest';
import { awsCli, ecrCli, ecrClient } from '../support/aws-cli.js';
import { distributionTool, startDistribution } from '../support/distribution.js';
import { ociImage } from '../support/oci.js';
import { useRegistry } from '../support/registry.js';
import { describeWith } from '../support/tools.js';
import { awsCliWithRuleUpdates } from './support.js';

/** ECR's rule API through the AWS CLI, as users of ECR call it, with its answers and errors. */

// Local mode's Secrets Manager: the secret ecr-pullthroughcache/<name> is a file under this directory.
const secretsDir = mkdtempSync(join(tmpdir(), 'berth-secrets-'));
mkdirSync(join(secretsDir, 'ecr-pullthroughcache'));
writeFileSync(join(secretsDir, 'ecr-pullthroughcache', 'hub'), JSON.stringify({ username: 'someone', accessToken: 'dckr_pat_example' }));
writeFileSync(join(secretsDir, 'ecr-pullthroughcache', 'broken'), 'username=someone');
afterAll(() => rmSync(secretsDir, { recursive: true, force: true }));

const registry = useRegistry({}, { pullThrough: { secretsDir } });

function secretArn(name: string): string {
  return `arn:aws:secretsmanager:${registry().identity.region}:${registry().identity.accountId}:secret:ecr-pullthroughcache/${name}-AbCdEf`;
}

describeWith([awsCli], 'pull-through cache rules with the AWS CLI', () => {
  const aws = (...args: string[]) => ecrCli(registry())(...args);

  it('creates a rule for Docker Hub as ECR documents it, describes it, and deletes it', async () => {
    const created = await aws('create-pull-through-cache-rule', '--ecr-repository-prefix', 'hub', '--upstream-registry-url', 'registry-1.docker.io');
    expect(created.code, created.stderr).toBe(0);
    // Debian's CLI (2.9) predates upstreamRegistry in its model, and leaves it out of what it prints.
    expect(created.json()).toMatchObject({ ecrRepositoryPrefix: 'hub', upstreamRegistryUrl: 'registry-1.docker.io', registryId: registry().identity.accountId });
    expect(Date.parse(created.json().createdAt)).not.toBeNaN();

    await aws('create-pull-through-cache-rule', '--ecr-repository-prefix', 'quay', '--upstream-registry-url', 'quay.io');
    const all = await aws('describe-pull-through-cache-rules');
    expect(all.json().pullThroughCacheRules.map((rule: { ecrRepositoryPrefix: string }) => rule.ecrRepositoryPrefix)).toEqual(['hub', 'quay']);
    const one = await aws('describe-pull-through-cache-rules', '--ecr-repository-prefixes', 'quay');
    expect(one.json().pullThroughCacheRules).toEqual([expect.objectContaining({ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' })]);

    const deleted = await aws('delete-pull-through-cache-rule', '--ecr-repository-prefix', 'quay');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.json()).toMatchObject({ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' });
    const after = await aws('describe-pull-through-cache-rules');
    expect(after.json().pullThroughCacheRules.map((rule: { ecrRepositoryPrefix: string }) => rule.ecrRepositoryPrefix)).toEqual(['hub']);
    await aws('delete-pull-through-cache-rule', '--ecr-repository-prefix', 'hub');
  });

  it('answers ECR\'s errors: the rule exists, is not found, or names an upstream it cannot use', async () => {
    await aws('create-pull-through-cache-rule', '--ecr-repository-prefix', 'twice', '--upstream-registry-url', 'ghcr.io');
    const again = await aws('create-pull-through-cache-rule', '--ecr-repository-prefix', 'twice/', '--upstream-registry-url', 'quay.io');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('(PullThroughCacheRuleAlreadyExistsException) when calling the CreatePullThroughCacheRule operation: '
      + `A pull through cache rule with prefix 'twice' already exists in the registry with id '${registry().identity.accountId}'`);

    for (const args of [['describe-pull-through-cache-rules', '--ecr-repository-prefixes', 'nowhere'], ['delete-pull-through-cache-rule', '--ecr-repository-prefix', 'nowhere']]) {
      const missing = await aws(...args);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain(`(PullThroughCacheRuleNotFoundException) when calling the ${args[0] === 'delete-pull-through-cache-rule' ? 'DeletePullThroughCacheRule' : 'DescribePullThroughCacheRules'} operation: `
        + `The pull through cache rule with prefix 'nowhere' does not exist in the registry with id '${registry().identity.accountId}'`);
    }

    // Plain HTTP only to this machine, and a registry host without a path.
    for (const url of ['http://registry.example.com', 'https://registry.example.com/v2/library', 'https://user:secret@registry.example.com']) {
      const refused = await aws('create-pull-through-cache-rule', '--ecr-repository-prefix', 'bad', '--upstream-registry-url', url);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`(UnsupportedUpstreamRegistryException) when calling the CreatePullThroughCacheRule operation: The upstream registry URL '${url}' is not supported`);
    }
    const badPrefix = await aws('create-pull-through-cache-rule', '--ecr-repository-prefix', 'Upper', '--upstream-registry-url', 'quay.io');
    expect(badPrefix.stderr).toContain('(ValidationException) when calling the CreatePullThroughCacheRule operation: 1 validation error detected: Value "Upper" at \'ecrRepositoryPrefix\'');
    expect((await aws('describe-pull-through-cache-rules')).json().pullThroughCacheRules.map((rule: { ecrRepositoryPrefix: string }) => rule.ecrRepositoryPrefix)).toEqual(['twice']);
    await aws('delete-pull-through-cache-rule', '--ecr-repository-prefix', 'twice');
  });

  it('refuses a rule beyond ECR\'s quota of 50', async () => {
    const ecr = ecrClient(registry());
    const existing = (await aws('describe-pull-through-cache-rules')).json().pullThroughCacheRules.length as number;
    const prefixes = Array.from({ length: 50 - existing }, (_, i) => `quota-${String(i).padStart(2, '0')}`);
    for (const prefix of prefixes) await ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: prefix, upstreamRegistryUrl: 'quay.io' }));
    const over = await aws('create-pull-through-cache-rule', '--ecr-repository-prefix', 'quota-50', '--upstream-registry-url', 'quay.io');
    expect(over.code).not.toBe(0);
    expect(over.stderr).toContain('(LimitExceededException) when calling the CreatePullThroughCacheRule operation');
    for (const prefix of prefixes) await ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: prefix }));
    const room = await aws('create-pull-through-cache-rule', '--ecr-repository-prefix', 'quota-50', '--upstream-registry-url', 'quay.io');
    expect(room.code, room.stderr).toBe(0);
    await aws('delete-pull-through-cache-rule', '--ecr-repository-prefix', 'quota-50');
  });

  it('refuses PutImage into a cache repository', async () => {
    const ecr = ecrClient(registry());
    await ecr.send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'mirror', upstreamRegistryUrl: 'quay.io' }));
    // A repository under the prefix made beforehand (as ECR's users do to set its policy) is a cache repository all the same.
    expect((await aws('create-repository', '--repository-name', 'mirror/team/app')).code).toBe(0);
    const image = ociImage({ layerSizes: [] });
    const put = await aws('put-image', '--repository-name', 'mirror/team/app', '--image-tag', 'v1', '--image-manifest', image.manifest.bytes.toString('utf8'));
    expect(put.code).not.toBe(0);
    expect(put.stderr).toContain('(InvalidParameterException) when calling the PutImage operation: repository mirror/team/app is a pull through cache of quay.io (rule mirror): '
      + 'images come from the upstream registry only, and cannot be pushed');
    // Outside the prefix, the same call is not a cache push: it fails only for the missing layers.
    await aws('create-repository', '--repository-name', 'mirrored/app');
    await expect(ecr.send(new PutImageCommand({ repositoryName: 'mirrored/app', imageTag: 'v1', imageManifest: image.manifest.bytes.toString('utf8') })))
      .rejects.not.toMatchObject({ name: 'InvalidParameterException' });
    await ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'mirror' }));
  });
});

describeWith([awsCliWithRuleUpdates, distributionTool], 'rule credentials, updates and validation with the AWS CLI', () => {
  const aws = (...args: string[]) => ecrCli(registry(), awsCliWithRuleUpdates)(...args, '--region', registry().identity.region);

  it('takes a credential secret, checks it exists and holds ECR\'s format, and updates it', async () => {
    const created = await aws('create-pull-through-cache-rule', '--ecr-repository-prefix', 'private', '--upstream-registry-url', 'registry-1.docker.io',
      '--credential-arn', secretArn('hub'));
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toMatchObject({ ecrRepositoryPrefix: 'private', credentialArn: secretArn('hub'), upstreamRegistry: 'docker-hub' });

    const missing = await aws('create-pull-through-cache-rule', '--ecr-repository-prefix', 'other', '--upstream-registry-url', 'ghcr.io',
      '--credential-arn', secretArn('absent'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`(SecretNotFoundException) when calling the CreatePullThroughCacheRule operation: The secret '${secretArn('absent')}' was not found`);
    const malformed = await aws('update-pull-through-cache-rule', '--ecr-repository-prefix', 'private', '--credential-arn', secretArn('broken'));
    expect(malformed.stderr).toContain(`(UnableToAccessSecretException) when calling the UpdatePullThroughCacheRule operation: The secret '${secretArn('broken')}' could not be used`);
    const notArn = await aws('update-pull-through-cache-rule', '--ecr-repository-prefix', 'private', '--credential-arn', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hub-credentials');
    expect(notArn.stderr).toContain('(ValidationException) when calling the UpdatePullThroughCacheRule operation');

    writeFileSync(join(secretsDir, 'ecr-pullthroughcache', 'hub-2'), JSON.stringify({ username: 'someone', accessToken: 'dckr_pat_rotated' }));
    const updated = await aws('update-pull-through-cache-rule', '--ecr-repository-prefix', 'private', '--credential-arn', secretArn('hub-2'));
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.json()).toMatchObject({ ecrRepositoryPrefix: 'private', credentialArn: secretArn('hub-2') });
    expect((await aws('describe-pull-through-cache-rules', '--ecr-repository-prefixes', 'private')).json().pullThroughCacheRules[0].credentialArn).toBe(secretArn('hub-2'));

    const nowhere = await aws('update-pull-through-cache-rule', '--ecr-repository-prefix', 'nowhere', '--credential-arn', secretArn('hub'));
    expect(nowhere.stderr).toContain('(PullThroughCacheRuleNotFoundException) when calling the UpdatePullThroughCacheRule operation');
    await aws('delete-pull-through-cache-rule', '--ecr-repository-prefix', 'private');
  });

  it('validates a rule by signing in to its upstream: valid while it answers, invalid with the reason when it is gone', async () => {
    const upstream = await startDistribution();
    try {
      // AWS CLI v1 reads a parameter given as an http:// URL from that URL: Debian's v2 creates the rule.
      const created = await ecrCli(registry())('create-pull-through-cache-rule', '--ecr-repository-prefix', 'local', '--upstream-registry-url', upstream.url);
      expect(created.code, created.stderr).toBe(0);
      const valid = await aws('validate-pull-through-cache-rule', '--ecr-repository-prefix', 'local');
      expect(valid.code, valid.stderr).toBe(0);
      expect(valid.json()).toMatchObject({ ecrRepositoryPrefix: 'local', upstreamRegistryUrl: upstream.url, isValid: true });
      expect(valid.json().failure).toBeUndefined();
    } finally {
      await upstream.stop();
    }
    const invalid = await aws('validate-pull-through-cache-rule', '--ecr-repository-prefix', 'local');
    expect(invalid.code, invalid.stderr).toBe(0);
    expect(invalid.json()).toMatchObject({ ecrRepositoryPrefix: 'local', isValid: false });
    expect(invalid.json().failure).toContain('could not be reached');
    const missing = await aws('validate-pull-through-cache-rule', '--ecr-repository-prefix', 'nowhere');
    expect(missing.stderr).toContain('(PullThroughCacheRuleNotFoundException) when calling the ValidatePullThroughCacheRule operation');
    await aws('delete-pull-through-cache-rule', '--ecr-repository-prefix', 'local');
  });
});
