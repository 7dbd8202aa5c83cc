import {
  CreateRepositoryCommand, DeleteLifecyclePolicyCommand, DeleteRepositoryCommand, DeleteRepositoryPolicyCommand, GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand, PutLifecyclePolicyCommand, SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { awsCli, ecrCli, ecrClient } from '../support/aws-cli.js';
import { useRegistry } from '../support/registry.js';
import { describeWith } from '../support/tools.js';

const registry = useRegistry();
const pullPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{
    Sid: 'AllowPull',
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::210987654321:root' },
    Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
  }],
});
const denyAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'DenyAll', Effect: 'Deny', Principal: '*', Action: 'ecr:*' }] });

type Rule = Record<string, unknown>;
const keepReleases: Rule = {
  rulePriority: 1, description: 'keep the 10 newest releases',
  selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' },
};
const expireUntagged: Rule = {
  rulePriority: 2, description: 'expire untagged images after 14 days',
  selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' },
};
const lifecycle = (...rules: Rule[]) => JSON.stringify({ rules });

describeWith([awsCli], 'repository policies with the AWS CLI', () => {
  const aws = (...args: string[]) => ecrCli(registry())(...args);

  it('sets, gets, replaces and deletes a repository policy', async () => {
    // One CLI process per step: the SDK tests below cover the rest, without starting Python each time.
    await ecrClient(registry()).send(new CreateRepositoryCommand({ repositoryName: 'policy/app' }));
    const set = await aws('set-repository-policy', '--repository-name', 'policy/app', '--policy-text', pullPolicy);
    expect(set.code, set.stderr).toBe(0);
    const expected = { registryId: registry().identity.accountId, repositoryName: 'policy/app', policyText: pullPolicy };
    expect(set.json()).toEqual(expected);
    const got = await aws('get-repository-policy', '--repository-name', 'policy/app', '--registry-id', registry().identity.accountId);
    expect(got.code, got.stderr).toBe(0);
    expect(got.json()).toEqual(expected);

    const everyone = JSON.stringify({ Version: '2008-10-17', Statement: { Effect: 'Allow', Principal: '*', Action: 'ecr:Describe*' } });
    expect((await aws('set-repository-policy', '--repository-name', 'policy/app', '--policy-text', everyone)).code).toBe(0);

    const deleted = await aws('delete-repository-policy', '--repository-name', 'policy/app');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.json()).toEqual({ ...expected, policyText: everyone });
    expect((await aws('get-repository-policy', '--repository-name', 'policy/app')).stderr).toContain('RepositoryPolicyNotFoundException');
  });

  it('sets a policy that would lock its setter out only with --force', async () => {
    await ecrClient(registry()).send(new CreateRepositoryCommand({ repositoryName: 'policy/lockout' }));
    const refused = await aws('set-repository-policy', '--repository-name', 'policy/lockout', '--policy-text', denyAll);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('InvalidParameterException');
    expect(refused.stderr).toContain('set force to apply it anyway');
    const forced = await aws('set-repository-policy', '--repository-name', 'policy/lockout', '--policy-text', denyAll, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.json().policyText).toBe(denyAll);
  });
});

describeWith([awsCli], 'lifecycle policies with the AWS CLI', () => {
  const aws = (...args: string[]) => ecrCli(registry())(...args);

  it('puts, gets, replaces and deletes a lifecycle policy', async () => {
    await ecrClient(registry()).send(new CreateRepositoryCommand({ repositoryName: 'lifecycle/app' }));

    const text = lifecycle(keepReleases, expireUntagged);
    const put = await aws('put-lifecycle-policy', '--repository-name', 'lifecycle/app', '--lifecycle-policy-text', text);
    expect(put.code, put.stderr).toBe(0);
    const expected = { registryId: registry().identity.accountId, repositoryName: 'lifecycle/app', lifecyclePolicyText: text };
    expect(put.json()).toEqual(expected);
    // Not evaluated yet, so there is no lastEvaluatedAt.
    expect((await aws('get-lifecycle-policy', '--repository-name', 'lifecycle/app')).json()).toEqual(expected);

    const patterns = lifecycle({ ...keepReleases, selection: { tagStatus: 'tagged', tagPatternList: ['prod-*-v*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 } },
      { ...expireUntagged, rulePriority: 5, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 500 } });
    expect((await aws('put-lifecycle-policy', '--repository-name', 'lifecycle/app', '--lifecycle-policy-text', patterns)).code).toBe(0);

    const deleted = await aws('delete-lifecycle-policy', '--repository-name', 'lifecycle/app');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.json()).toEqual({ ...expected, lifecyclePolicyText: patterns });
    expect((await aws('get-lifecycle-policy', '--repository-name', 'lifecycle/app')).stderr).toContain('LifecyclePolicyNotFoundException');
  });
});

describe('policies with the AWS SDK', () => {
  it('refuses invalid policies with InvalidParameterException saying what is wrong', async () => {
    const ecr = ecrClient(registry());
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'policy/invalid' }));
    const statement = JSON.parse(pullPolicy).Statement[0];
    const attempts: [string, RegExp][] = [
      ['{"Version": "2012-10-17", "Statement": [', /not valid JSON/],
      [JSON.stringify({ Version: '2012-10-17', Statement: [{ ...statement, Effect: 'Permit' }] }), /Statement\[0\] \(Sid "AllowPull"\): Effect must be "Allow" or "Deny", not "Permit"/],
      [JSON.stringify({ Version: '2012-10-17', Statement: [{ ...statement, Resource: '*' }] }), /must not have Resource/],
      [JSON.stringify({ Version: '2012-10-17', Statement: [{ ...statement, Principal: { AWS: 'arn:aws:iam::210987654321:*' } }] }), /not "\*", a 12-digit account ID or an IAM principal ARN/],
      [JSON.stringify({ Version: '2012-10-17', Statement: [{ ...statement, Action: undefined }] }), /neither Action nor NotAction/],
    ];
    for (const [policyText, reason] of attempts) {
      await expect(ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'policy/invalid', policyText })))
        .rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringMatching(reason) });
    }
    await expect(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'policy/invalid' }))).rejects.toMatchObject({ name: 'RepositoryPolicyNotFoundException' });
  });

  it('refuses invalid lifecycle policies with InvalidParameterException naming the rule and field', async () => {
    const ecr = ecrClient(registry());
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'lifecycle/invalid' }));
    const anyRule: Rule = { rulePriority: 1, description: 'keep at most 100 images', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }, action: { type: 'expire' } };
    const attempts: [string, RegExp][] = [
      [`{"rules": [${JSON.stringify(keepReleases)}`, /not valid JSON/],
      [lifecycle(keepReleases, { ...expireUntagged, rulePriority: 1 }), /rules\[0\] and rules\[1\] have the same rulePriority 1/],
      [lifecycle({ ...keepReleases, selection: { ...keepReleases.selection as Rule, tagPrefixList: undefined } }), /rules\[0\] \(rulePriority 1\)\.selection selects tagStatus "tagged", so it needs a tagPrefixList or a tagPatternList/],
      [lifecycle(anyRule, expireUntagged), /selects tagStatus "any", so it must have the highest rulePriority/],
      [lifecycle({ ...keepReleases, selection: { ...keepReleases.selection as Rule, countUnit: 'days' } }), /has countUnit, which applies only to countType sinceImagePushed, not imageCountMoreThan/],
      [lifecycle({ ...expireUntagged, selection: { ...expireUntagged.selection as Rule, countNumber: 0 } }), /countNumber must be a positive integer, not 0/],
      [lifecycle({ ...keepReleases, selection: { tagStatus: 'tagged', tagPatternList: ['a*b*c*d*e*f'], countType: 'imageCountMoreThan', countNumber: 1 } }), /has 5 wildcards/],
      [lifecycle({ ...keepReleases, action: { type: 'archive' } }), /action\.type must be "expire", not "archive"/],
    ];
    for (const [lifecyclePolicyText, reason] of attempts) {
      const refusal = await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lifecycle/invalid', lifecyclePolicyText })).then(() => undefined, (error: Error) => error);
      expect(refusal, lifecyclePolicyText).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('Lifecycle policy validation failure') });
      expect(refusal?.message).toMatch(reason);
    }
    await expect(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lifecycle/invalid' }))).rejects.toMatchObject({ name: 'LifecyclePolicyNotFoundException' });
  });

  it('answers RepositoryNotFoundException for every policy action on a repository that does not exist', async () => {
    const ecr = ecrClient(registry());
    const repositoryName = 'policy/nowhere';
    const attempts = [
      () => ecr.send(new GetRepositoryPolicyCommand({ repositoryName })),
      () => ecr.send(new SetRepositoryPolicyCommand({ repositoryName, policyText: pullPolicy })),
      () => ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName })),
      () => ecr.send(new GetLifecyclePolicyCommand({ repositoryName })),
      () => ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: lifecycle(keepReleases) })),
      () => ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName })),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
  });

  it('keeps repository and lifecycle policies apart, and forgets both with the repository', async () => {
    const ecr = ecrClient(registry());
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'sdk-policy/app' }));
    for (const none of [new GetRepositoryPolicyCommand({ repositoryName: 'sdk-policy/app' }), new DeleteRepositoryPolicyCommand({ repositoryName: 'sdk-policy/app' })]) {
      await expect(ecr.send(none)).rejects.toMatchObject({ name: 'RepositoryPolicyNotFoundException' });
    }
    for (const none of [new GetLifecyclePolicyCommand({ repositoryName: 'sdk-policy/app' }), new DeleteLifecyclePolicyCommand({ repositoryName: 'sdk-policy/app' })]) {
      await expect(ecr.send(none)).rejects.toMatchObject({ name: 'LifecyclePolicyNotFoundException' });
    }
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'sdk-policy/app', policyText: pullPolicy }));
    const text = lifecycle(expireUntagged);
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'sdk-policy/app', lifecyclePolicyText: text }));

    expect((await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'sdk-policy/app' }))).policyText).toBe(pullPolicy);
    const got = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'sdk-policy/app' }));
    expect(got.lifecyclePolicyText).toBe(text);
    expect(got.lastEvaluatedAt).toBeUndefined();

    await ecr.send(new DeleteRepositoryCommand({ repositoryName: 'sdk-policy/app' }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'sdk-policy/app' }));
    await expect(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'sdk-policy/app' }))).rejects.toMatchObject({ name: 'RepositoryPolicyNotFoundException' });
    await expect(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'sdk-policy/app' }))).rejects.toMatchObject({ name: 'LifecyclePolicyNotFoundException' });
  });

  it('refuses policy texts outside the API model\'s lengths with ValidationException', async () => {
    const ecr = ecrClient(registry());
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'sdk-policy/lengths' }));
    await expect(ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'sdk-policy/lengths', lifecyclePolicyText: '{"rules": []}' })))
      .rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('greater than or equal to 100') });
    await expect(ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'sdk-policy/lengths', lifecyclePolicyText: lifecycle(expireUntagged).padEnd(30_721, ' ') })))
      .rejects.toMatchObject({ name: 'ValidationException' });
    const long = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'x'.repeat(10_240), Effect: 'Allow', Principal: '*', Action: 'ecr:*' }] });
    await expect(ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'sdk-policy/lengths', policyText: long })))
      .rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('less than or equal to 10240') });
    await expect(ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'sdk-policy/lengths', policyText: '' })))
      .rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('sets and applies a policy whose action has many wildcards, which a backtracking matcher took minutes over', async () => {
    const ecr = ecrClient(registry());
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'sdk-policy/stars' }));
    // 146 characters, 18 stars, matching no action: every request evaluates it.
    const stars = `ecr:${'*'.repeat(18)}${'Z'.repeat(124)}`;
    expect(stars).toHaveLength(146);
    const policyText = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' },
        { Effect: 'Deny', Principal: '*', Action: stars },
      ],
    });
    const set = await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'sdk-policy/stars', policyText }));
    expect(set.policyText).toBe(policyText);
    const anonymous = await fetch(`${registry().url}/v2/sdk-policy/stars/manifests/latest`);
    expect(anonymous.status).toBe(404);
    expect(((await anonymous.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('MANIFEST_UNKNOWN');
  });

  it('refuses a registryId other than this registry\'s', async () => {
    const ecr = ecrClient(registry());
    const other = registry().identity.accountId === '111111111111' ? '222222222222' : '111111111111';
    await expect(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'sdk-policy/app', registryId: other })))
      .rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});
