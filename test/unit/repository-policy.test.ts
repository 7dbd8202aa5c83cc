import { describe, expect, it } from 'vitest';
import {
  actionMatches, evaluatePolicy, locksOut, parseRepositoryPolicy, RepositoryPolicyError, type PolicyCaller,
} from '../../lambdas/auth/repository-policy.js';

const policy = (statement: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ Version: '2012-10-17', ...extra, Statement: statement });
const pull = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/puller' }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] };

function refusal(text: string): string {
  try {
    parseRepositoryPolicy(text);
  } catch (error) {
    expect(error).toBeInstanceOf(RepositoryPolicyError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${text}`);
}

describe('parsing repository policies', () => {
  it('parses a statement list into typed statements', () => {
    const parsed = parseRepositoryPolicy(policy([
      { Sid: 'Pull from CI', ...pull },
      { Effect: 'Deny', NotPrincipal: { AWS: ['123456789012', 'arn:aws:iam::123456789012:root'] }, NotAction: 'ecr:Describe*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ], { Id: 'repo-policy' }));
    expect(parsed).toEqual({
      version: '2012-10-17',
      id: 'repo-policy',
      statements: [
        {
          sid: 'Pull from CI', effect: 'Allow',
          principals: { negated: false, set: { kind: 'listed', aws: ['arn:aws:iam::123456789012:role/puller'], service: [], federated: [], canonicalUser: [] } },
          actions: { negated: false, patterns: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] },
        },
        {
          effect: 'Deny',
          principals: { negated: true, set: { kind: 'listed', aws: ['123456789012', 'arn:aws:iam::123456789012:root'], service: [], federated: [], canonicalUser: [] } },
          actions: { negated: true, patterns: ['ecr:Describe*'] },
          condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
  });

  it('accepts a single statement object, Principal "*", service principals, the 2008 version and no version', () => {
    expect(parseRepositoryPolicy(policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:*' })).statements[0]!.principals.set).toEqual({ kind: 'everyone' });
    const service = parseRepositoryPolicy(policy({ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: '*' }, { Version: '2008-10-17' }));
    expect(service.statements[0]!.principals.set).toMatchObject({ service: ['codebuild.amazonaws.com'] });
    expect(parseRepositoryPolicy(JSON.stringify({ Statement: [pull] })).version).toBeUndefined();
    expect(parseRepositoryPolicy(policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'ecr:Get?ownloadUrlForLayer' })).statements).toHaveLength(1);
  });

  it.each([
    ['text that is not JSON', '{"Version":', /not valid JSON/],
    ['an empty text', '', /not valid JSON/],
    ['a JSON array', '[]', /must be a JSON object/],
    ['an unknown top-level element', JSON.stringify({ Statement: [pull], Rules: [] }), /unknown policy element "Rules"/],
    ['an unknown version', policy([pull], { Version: '2020-01-01' }), /Version must be one of 2012-10-17, 2008-10-17/],
    ['no Statement', JSON.stringify({ Version: '2012-10-17' }), /no Statement/],
    ['an empty Statement list', policy([]), /Statement must not be empty/],
    ['a statement that is not an object', policy(['allow all']), /Statement\[0\] must be an object/],
    ['an invalid Effect', policy([{ ...pull, Effect: 'allow' }]), /Statement\[0\]: Effect must be "Allow" or "Deny", not "allow"/],
    ['a missing Effect', policy([{ ...pull, Effect: undefined }]), /Statement\[0\] has no Effect/],
    ['a Resource', policy([{ ...pull, Resource: '*' }]), /must not have Resource/],
    ['a NotResource', policy([{ ...pull, NotResource: '*' }]), /must not have NotResource/],
    ['an unknown statement element', policy([{ ...pull, Actions: ['ecr:*'] }]), /unknown element "Actions"/],
    ['no principal', policy([{ Effect: 'Allow', Action: '*' }]), /neither Principal nor NotPrincipal/],
    ['Principal and NotPrincipal', policy([{ ...pull, NotPrincipal: '*' }]), /both Principal and NotPrincipal/],
    ['a principal string other than *', policy([{ ...pull, Principal: 'arn:aws:iam::123456789012:root' }]), /Principal must be "\*" or an object/],
    ['an empty principal object', policy([{ ...pull, Principal: {} }]), /names no principal/],
    ['an unknown principal type', policy([{ ...pull, Principal: { User: 'alice' } }]), /unknown principal type "User"/],
    ['a wildcard inside a principal ARN', policy([{ ...pull, Principal: { AWS: 'arn:aws:iam::123456789012:*' } }]), /is not "\*", a 12-digit account ID or an IAM principal ARN/],
    ['a short account ID', policy([{ ...pull, Principal: { AWS: '12345' } }]), /"12345" is not/],
    ['an empty principal list', policy([{ ...pull, Principal: { AWS: [] } }]), /Principal\.AWS must not be empty/],
    ['an invalid service principal', policy([{ ...pull, Principal: { Service: 'Code Build' } }]), /not a service principal/],
    ['no action', policy([{ Effect: 'Allow', Principal: '*' }]), /neither Action nor NotAction/],
    ['Action and NotAction', policy([{ ...pull, NotAction: 'ecr:*' }]), /both Action and NotAction/],
    ['an action without a service', policy([{ ...pull, Action: 'BatchGetImage' }]), /"BatchGetImage" is not an action/],
    ['a non-string action', policy([{ ...pull, Action: [42] }]), /must be a non-empty string or a list of them, not 42/],
    ['a Condition that is not an object', policy([{ ...pull, Condition: 'yes' }]), /Condition must be an object/],
    ['a Condition value that is an object', policy([{ ...pull, Condition: { StringEquals: { 'aws:PrincipalOrgID': { a: 1 } } } }]), /StringEquals\.aws:PrincipalOrgID must be a string/],
    ['a non-string Sid', policy([{ ...pull, Sid: 7 }]), /Sid must be a string/],
  ])('refuses %s', (_, text, message) => {
    expect(refusal(text)).toMatch(message);
  });

  it('names the statement by its Sid', () => {
    expect(refusal(policy([pull, { ...pull, Sid: 'Push', Effect: 'Maybe' }]))).toMatch(/^Statement\[1\] \(Sid "Push"\): Effect/);
  });

  it('refuses a policy longer than 10240 characters', () => {
    const long = policy([{ ...pull, Sid: 'x'.repeat(10_240) }]);
    expect(refusal(long)).toMatch(/at most 10240/);
  });
});

describe('evaluating repository policies', () => {
  const alice: PolicyCaller = { arn: 'arn:aws:iam::123456789012:user/berth/alice', accountId: '123456789012' };
  const stranger: PolicyCaller = { arn: 'arn:aws:iam::210987654321:user/bob', accountId: '210987654321' };
  const evaluate = (statements: unknown[], caller: PolicyCaller, action: string) =>
    evaluatePolicy(parseRepositoryPolicy(policy(statements)), { caller, action });

  it('matches actions case-insensitively with * and ? wildcards', () => {
    expect(actionMatches('ecr:*', 'ecr:BatchGetImage')).toBe(true);
    expect(actionMatches('*', 'ecr:BatchGetImage')).toBe(true);
    expect(actionMatches('ecr:batchget*', 'ecr:BatchGetImage')).toBe(true);
    expect(actionMatches('ecr:Get?ownloadUrlForLayer', 'ecr:GetDownloadUrlForLayer')).toBe(true);
    expect(actionMatches('ecr:Get*', 'ecr:BatchGetImage')).toBe(false);
    expect(actionMatches('s3:*', 'ecr:BatchGetImage')).toBe(false);
  });

  it('answers for an action pattern of many stars against a long near-miss', () => {
    // 146 characters, 18 stars: compiled to a backtracking regex, this ran for minutes.
    const pattern = `ecr:${'aaaaaa*'.repeat(18)}${'b'.repeat(16)}`;
    const statements = [{ Effect: 'Deny', Principal: '*', Action: pattern }];
    expect(evaluate(statements, stranger, `ecr:${'a'.repeat(300)}`)).toBe('none');
    expect(evaluate(statements, stranger, `ecr:${'A'.repeat(300)}${'B'.repeat(16)}`)).toBe('deny');
  });

  it('allows what an Allow statement names for its principals, and nothing else', () => {
    const statements = [{ Effect: 'Allow', Principal: { AWS: '210987654321' }, Action: 'ecr:BatchGetImage' }];
    expect(evaluate(statements, stranger, 'ecr:BatchGetImage')).toBe('allow');
    expect(evaluate(statements, stranger, 'ecr:PutImage')).toBe('none');
    expect(evaluate(statements, alice, 'ecr:BatchGetImage')).toBe('none');
  });

  it('lets a Deny win over any Allow', () => {
    const statements = [
      { Effect: 'Allow', Principal: '*', Action: 'ecr:*' },
      { Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 'ecr:Put*' },
    ];
    expect(evaluate(statements, stranger, 'ecr:PutImage')).toBe('deny');
    expect(evaluate(statements, stranger, 'ecr:BatchGetImage')).toBe('allow');
    expect(evaluate(statements, alice, 'ecr:PutImage')).toBe('allow');
  });

  it('reads NotPrincipal and NotAction as everyone and everything except those named', () => {
    const statements = [{ Effect: 'Deny', NotPrincipal: { AWS: alice.arn }, NotAction: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }];
    expect(evaluate(statements, stranger, 'ecr:PutImage')).toBe('deny');
    expect(evaluate(statements, stranger, 'ecr:BatchGetImage')).toBe('none');
    expect(evaluate(statements, alice, 'ecr:PutImage')).toBe('none');
  });

  it('matches a role to its assumed-role sessions, and service principals to services', () => {
    const session: PolicyCaller = { arn: 'arn:aws:sts::123456789012:assumed-role/deployer/ci-42', accountId: '123456789012' };
    expect(evaluate([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/team/deployer' }, Action: 'ecr:*' }], session, 'ecr:PutImage')).toBe('allow');
    expect(evaluate([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/other' }, Action: 'ecr:*' }], session, 'ecr:PutImage')).toBe('none');
    const service = [{ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'ecr:BatchGetImage' }];
    expect(evaluate(service, { service: 'codebuild.amazonaws.com' }, 'ecr:BatchGetImage')).toBe('allow');
    expect(evaluate(service, alice, 'ecr:BatchGetImage')).toBe('none');
  });

  it('fails closed on conditions it cannot decide, and follows a decider when given one', () => {
    const parsed = parseRepositoryPolicy(policy([
      { Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } },
      { Effect: 'Deny', Principal: '*', Action: 'ecr:PutImage', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ]));
    expect(evaluatePolicy(parsed, { caller: stranger, action: 'ecr:BatchGetImage' })).toBe('none');
    expect(evaluatePolicy(parsed, { caller: stranger, action: 'ecr:PutImage' })).toBe('deny');
    const holds = (condition: Record<string, Record<string, unknown>>) => 'StringEquals' in condition;
    expect(evaluatePolicy(parsed, { caller: stranger, action: 'ecr:BatchGetImage', conditionHolds: holds })).toBe('allow');
    expect(evaluatePolicy(parsed, { caller: stranger, action: 'ecr:PutImage', conditionHolds: holds })).toBe('none');
  });

  it('recognizes a policy that would deny its setter ecr:SetRepositoryPolicy', () => {
    expect(locksOut(parseRepositoryPolicy(policy([{ Effect: 'Deny', Principal: '*', Action: 'ecr:*' }])), alice)).toBe(true);
    expect(locksOut(parseRepositoryPolicy(policy([{ Effect: 'Deny', Principal: { AWS: stranger.arn }, Action: 'ecr:*' }])), alice)).toBe(false);
    expect(locksOut(parseRepositoryPolicy(policy([{ Effect: 'Deny', Principal: '*', Action: 'ecr:PutImage' }])), alice)).toBe(false);
  });
});
