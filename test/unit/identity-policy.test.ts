import { describe, expect, it } from 'vitest';
import { isAllowed } from '../../lambdas/auth/authorize.js';
import { IdentityPolicyError, parseIdentityPolicy } from '../../lambdas/auth/identity-policy.js';

const ACCOUNT = '123456789012';
const arn = (name: string) => `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${name}`;
const text = (statement: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: statement });

/** Whether a key of the registry's own account, carrying this policy, may perform the action. */
function keyMay(policyText: string, action: string, repository: string | undefined): boolean {
  return isAllowed({
    caller: { kind: 'principal', arn: `arn:aws:iam::${ACCOUNT}:user/berth/ci`, accountId: ACCOUNT, identityPolicyText: policyText },
    action,
    resource: repository === undefined ? '*' : arn(repository),
    registryAccountId: ACCOUNT,
  });
}

function refusal(policyText: string): string {
  try {
    parseIdentityPolicy(policyText);
  } catch (error) {
    expect(error).toBeInstanceOf(IdentityPolicyError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${policyText}`);
}

describe('access-key policies', () => {
  it('refuses what it would otherwise read more broadly than written, naming the element', () => {
    expect(refusal(text([{ Effect: 'Allow', Action: 'ecr:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }])))
      .toMatch(/^Statement\[0\]\.Condition is not supported/);
    expect(refusal(text([{ Effect: 'Allow', Action: 'ecr:*' }]))).toBe('Statement[0] needs exactly one of Resource and NotResource');
    expect(refusal(text([{ Effect: 'Allow', Action: 'ecr:*', Resource: '*', NotResource: arn('prod/*') }]))).toBe('Statement[0] needs exactly one of Resource and NotResource');
    expect(refusal(text([{ Effect: 'Allow', Principal: '*', Action: 'ecr:*', Resource: '*' }]))).toMatch(/^Statement\[0\]\.Principal is not supported/);
    expect(refusal(text([{ Effect: 'Allow', Action: 'ecr:*', Resource: '*', Rsource: 'x' }]))).toBe('Statement[0] has unknown element "Rsource"');
    expect(refusal(text([{ Effect: 'Allow', Action: 'ecr:*', Resource: [] }]))).toMatch(/^Statement\[0\]\.Resource must be a non-empty/);
    expect(refusal(JSON.stringify({ Statement: [], Version: '2012-10-17' }))).toBe('the policy needs a Statement');
    expect(refusal('{"Statement":')).toBe('the policy is not valid JSON');
  });

  it('allows everything but what NotResource names', () => {
    const policy = text([{ Effect: 'Allow', Action: 'ecr:*', NotResource: arn('prod/*') }]);
    expect(keyMay(policy, 'ecr:PutImage', 'team/app')).toBe(true);
    expect(keyMay(policy, 'ecr:PutImage', 'prod/app')).toBe(false);
    expect(keyMay(policy, 'ecr:BatchGetImage', 'prod/app')).toBe(false);
  });

  it('allows every action but what NotAction names, and lets a Deny with NotResource fence the rest', () => {
    const policy = text([
      { Effect: 'Allow', NotAction: ['ecr:BatchDeleteImage', 'ecr:Delete*'], Resource: '*' },
      { Effect: 'Deny', Action: 'ecr:PutImage', NotResource: arn('team/*') },
    ]);
    expect(keyMay(policy, 'ecr:BatchGetImage', 'prod/app')).toBe(true);
    expect(keyMay(policy, 'ecr:BatchDeleteImage', 'team/app')).toBe(false);
    expect(keyMay(policy, 'ecr:DeleteRepository', 'team/app')).toBe(false);
    expect(keyMay(policy, 'ecr:PutImage', 'team/app')).toBe(true);
    expect(keyMay(policy, 'ecr:PutImage', 'prod/app')).toBe(false);
  });

  it('matches resources case-sensitively with `*` and `?`, and actions case-insensitively', () => {
    const policy = text([{ Effect: 'Allow', Action: 'ECR:batchgetimage', Resource: [arn('team/app-?'), arn('Team/*')] }]);
    expect(keyMay(policy, 'ecr:BatchGetImage', 'team/app-1')).toBe(true);
    expect(keyMay(policy, 'ecr:BatchGetImage', 'team/app-10')).toBe(false);
    expect(keyMay(policy, 'ecr:BatchGetImage', 'team/other')).toBe(false);
  });

  it('grants nothing by stored text it would refuse today, however broad it reads', () => {
    const conditional = text([{ Effect: 'Allow', Action: 'ecr:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }]);
    expect(keyMay(conditional, 'ecr:PutImage', 'prod/app')).toBe(false);
    expect(keyMay(text([{ Effect: 'Allow', Action: 'ecr:*' }]), 'ecr:PutImage', 'prod/app')).toBe(false);
    expect(keyMay(text([{ Effect: 'Allow', Action: 'ecr:*', Resource: '*', NotResource: arn('prod/*') }]), 'ecr:PutImage', 'team/app')).toBe(false);
    expect(keyMay('not json', 'ecr:BatchGetImage', 'team/app')).toBe(false);
    expect(keyMay(text([{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }]), 'ecr:PutImage', 'prod/app')).toBe(true);
  });
});
