/**
 * Repository policies: the resource-based IAM policy documents SetRepositoryPolicy
 * stores, parsed into typed statements and evaluated per request.
 *
 * Pure functions; an invalid document is a RepositoryPolicyError saying what is wrong,
 * which the management API answers as InvalidParameterException.
 */

import { globMatches } from './glob.js';

/** SetRepositoryPolicy's `policyText` length constraint in ECR's API model. */
export const REPOSITORY_POLICY_MAX_LENGTH = 10_240;

export const POLICY_VERSIONS = ['2012-10-17', '2008-10-17'] as const;

export class RepositoryPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepositoryPolicyError';
  }
}

export type PolicyEffect = 'Allow' | 'Deny';

/** The principals a Principal or NotPrincipal element names. */
export type PrincipalSet =
  /** `"Principal": "*"`: everyone, anonymous callers included. */
  | { kind: 'everyone' }
  | {
    kind: 'listed';
    /** `*`, 12-digit account IDs and IAM/STS ARNs. */
    aws: string[];
    /** Service principals, e.g. codebuild.amazonaws.com. */
    service: string[];
    federated: string[];
    canonicalUser: string[];
  };

/** A condition block kept as written: operator → condition key → value(s). */
export type PolicyCondition = Record<string, Record<string, unknown>>;

export interface PolicyStatement {
  sid?: string;
  effect: PolicyEffect;
  /** Whom the statement is about; `negated` for NotPrincipal. */
  principals: { negated: boolean; set: PrincipalSet };
  /** Action patterns as written (`ecr:*`, `ecr:Get*`, `*`); `negated` for NotAction. */
  actions: { negated: boolean; patterns: string[] };
  condition?: PolicyCondition;
}

export interface RepositoryPolicy {
  version?: string;
  id?: string;
  statements: PolicyStatement[];
}

const POLICY_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const PRINCIPAL_KEYS = { AWS: 'aws', Service: 'service', Federated: 'federated', CanonicalUser: 'canonicalUser' } as const;
/** `service:action`, the action part possibly with `*` and `?` wildcards; or `*` alone. */
const ACTION = /^(?:\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$/;
const ACCOUNT_ID = /^[0-9]{12}$/;
/** IAM and STS principal ARNs; wildcards are not allowed in them. */
const PRINCIPAL_ARN = /^arn:aws(?:-[a-z]+)*:(?:iam|sts)::[0-9]{12}:(?:root|(?:user|role|assumed-role|federated-user)\/[\w+=,.@/-]+)$/;
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;

/** Parses and validates a repository policy; throws RepositoryPolicyError naming what is wrong. */
export function parseRepositoryPolicy(text: string): RepositoryPolicy {
  if (text.length > REPOSITORY_POLICY_MAX_LENGTH) {
    fail(`the policy is ${text.length} characters long; at most ${REPOSITORY_POLICY_MAX_LENGTH} are allowed`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    fail(`the policy is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(document)) fail('the policy must be a JSON object');
  for (const key of Object.keys(document)) {
    if (!POLICY_KEYS.has(key)) fail(`unknown policy element ${JSON.stringify(key)}; a policy has Version, Id and Statement`);
  }

  const policy: RepositoryPolicy = { statements: [] };
  if (document.Version !== undefined) {
    if (!POLICY_VERSIONS.includes(document.Version as typeof POLICY_VERSIONS[number])) {
      fail(`Version must be one of ${POLICY_VERSIONS.join(', ')}, not ${JSON.stringify(document.Version)}`);
    }
    policy.version = document.Version as string;
  }
  if (document.Id !== undefined) {
    if (typeof document.Id !== 'string') fail('Id must be a string');
    policy.id = document.Id;
  }
  const statements = document.Statement;
  if (statements === undefined) fail('the policy has no Statement');
  const list = Array.isArray(statements) ? statements : [statements];
  if (list.length === 0) fail('Statement must not be empty');
  policy.statements = list.map((statement, index) => parseStatement(statement, Array.isArray(statements) ? `Statement[${index}]` : 'Statement'));
  return policy;
}

function parseStatement(value: unknown, where: string): PolicyStatement {
  if (!isObject(value)) fail(`${where} must be an object`);
  for (const key of Object.keys(value)) {
    if (!STATEMENT_KEYS.has(key)) fail(`${where} has unknown element ${JSON.stringify(key)}`);
  }
  const statement = value;
  const name = typeof statement.Sid === 'string' && statement.Sid !== '' ? `${where} (Sid ${JSON.stringify(statement.Sid)})` : where;

  let sid: string | undefined;
  if (statement.Sid !== undefined) {
    if (typeof statement.Sid !== 'string') fail(`${where}: Sid must be a string`);
    sid = statement.Sid;
  }
  if (statement.Effect === undefined) fail(`${name} has no Effect; give "Allow" or "Deny"`);
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
    fail(`${name}: Effect must be "Allow" or "Deny", not ${JSON.stringify(statement.Effect)}`);
  }
  if (statement.Resource !== undefined || statement.NotResource !== undefined) {
    fail(`${name}: a repository policy must not have ${statement.Resource !== undefined ? 'Resource' : 'NotResource'}; it applies to the repository it is set on`);
  }

  const principals = exactlyOne(statement, 'Principal', 'NotPrincipal', name);
  const actions = exactlyOne(statement, 'Action', 'NotAction', name);
  const parsed: PolicyStatement = {
    effect: statement.Effect,
    principals: { negated: principals.negated, set: parsePrincipal(principals.value, `${name}: ${principals.key}`) },
    actions: { negated: actions.negated, patterns: parseActions(actions.value, `${name}: ${actions.key}`) },
  };
  if (sid !== undefined) parsed.sid = sid;
  if (statement.Condition !== undefined) parsed.condition = parseCondition(statement.Condition, `${name}: Condition`);
  return parsed;
}

function exactlyOne(statement: Record<string, unknown>, key: string, notKey: string, name: string): { key: string; value: unknown; negated: boolean } {
  const has = statement[key] !== undefined;
  const hasNot = statement[notKey] !== undefined;
  if (has && hasNot) fail(`${name} has both ${key} and ${notKey}; give one`);
  if (!has && !hasNot) fail(`${name} has neither ${key} nor ${notKey}`);
  return has ? { key, value: statement[key], negated: false } : { key: notKey, value: statement[notKey], negated: true };
}

function parsePrincipal(value: unknown, where: string): PrincipalSet {
  if (value === '*') return { kind: 'everyone' };
  if (!isObject(value)) fail(`${where} must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}`);
  const set: PrincipalSet = { kind: 'listed', aws: [], service: [], federated: [], canonicalUser: [] };
  const keys = Object.keys(value);
  if (keys.length === 0) fail(`${where} names no principal`);
  for (const key of keys) {
    if (!Object.hasOwn(PRINCIPAL_KEYS, key)) {
      fail(`${where} has unknown principal type ${JSON.stringify(key)}; use AWS, Service, Federated or CanonicalUser`);
    }
    const field = PRINCIPAL_KEYS[key as keyof typeof PRINCIPAL_KEYS];
    const entries = stringList(value[key], `${where}.${key}`);
    for (const entry of entries) {
      if (field === 'aws' && entry !== '*' && !ACCOUNT_ID.test(entry) && !PRINCIPAL_ARN.test(entry)) {
        fail(`${where}.${key}: ${JSON.stringify(entry)} is not "*", a 12-digit account ID or an IAM principal ARN such as arn:aws:iam::123456789012:role/name`);
      }
      if (field === 'service' && !SERVICE_PRINCIPAL.test(entry)) {
        fail(`${where}.${key}: ${JSON.stringify(entry)} is not a service principal such as codebuild.amazonaws.com`);
      }
    }
    set[field] = entries;
  }
  return set;
}

function parseActions(value: unknown, where: string): string[] {
  const actions = stringList(value, where);
  for (const action of actions) {
    if (!ACTION.test(action)) fail(`${where}: ${JSON.stringify(action)} is not an action such as "ecr:BatchGetImage", "ecr:*" or "*"`);
  }
  return actions;
}

function parseCondition(value: unknown, where: string): PolicyCondition {
  if (!isObject(value)) fail(`${where} must be an object of condition operators`);
  for (const [operator, keys] of Object.entries(value)) {
    if (!isObject(keys)) fail(`${where}.${operator} must be an object of condition keys to values`);
    for (const [key, values] of Object.entries(keys)) {
      const list = Array.isArray(values) ? values : [values];
      if (list.some((item) => !['string', 'number', 'boolean'].includes(typeof item))) {
        fail(`${where}.${operator}.${key} must be a string, number or boolean, or a list of them`);
      }
    }
  }
  return value as PolicyCondition;
}

function stringList(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) fail(`${where} must not be empty`);
  for (const item of list) {
    if (typeof item !== 'string' || item === '') fail(`${where} must be a non-empty string or a list of them, not ${JSON.stringify(item)}`);
  }
  return list as string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw new RepositoryPolicyError(message);
}

// ---------------------------------------------------------------------------
// Evaluation

/** Who is asking: an IAM identity (ARN and account), or an AWS service. */
export interface PolicyCaller {
  arn?: string;
  accountId?: string;
  /** Set when an AWS service calls on its own behalf, e.g. codebuild.amazonaws.com. */
  service?: string;
}

export interface PolicyRequest {
  caller: PolicyCaller;
  /** The action asked for, e.g. `ecr:BatchGetImage`. */
  action: string;
  /**
   * Decides whether a statement's Condition holds for this request. Without it
   * conditions cannot be known, and evaluation fails closed: a conditional Allow
   * never applies, a conditional Deny always does.
   */
  conditionHolds?: (condition: PolicyCondition) => boolean;
}

/** `deny` is an explicit Deny; `none` means no statement allows (an implicit deny). */
export type PolicyDecision = 'allow' | 'deny' | 'none';

/** Evaluates the policy as IAM does: an applicable Deny wins, else an applicable Allow allows. */
export function evaluatePolicy(policy: RepositoryPolicy, request: PolicyRequest): PolicyDecision {
  let allowed = false;
  for (const statement of policy.statements) {
    if (!statementMatches(statement, request)) continue;
    if (statement.condition !== undefined) {
      const holds = request.conditionHolds?.(statement.condition);
      if (holds === undefined ? statement.effect === 'Allow' : !holds) continue;
    }
    if (statement.effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'none';
}

/** Whether the statement's principal and action elements select the request (conditions aside). */
export function statementMatches(statement: PolicyStatement, request: PolicyRequest): boolean {
  const principal = principalMatches(statement.principals.set, request.caller);
  const action = statement.actions.patterns.some((pattern) => actionMatches(pattern, request.action));
  return principal !== statement.principals.negated && action !== statement.actions.negated;
}

/** IAM action matching: case-insensitive, `*` any run of characters, `?` any one character. */
export function actionMatches(pattern: string, action: string): boolean {
  return globMatches(pattern, action, { questionMark: true, ignoreCase: true });
}

export function principalMatches(set: PrincipalSet, caller: PolicyCaller): boolean {
  if (set.kind === 'everyone') return true;
  if (caller.service !== undefined && set.service.includes(caller.service)) return true;
  // {"AWS": "*"} means everyone, anonymous callers included, as Principal "*" does.
  if (set.aws.includes('*')) return true;
  if (caller.arn === undefined) return false;
  const roleArn = assumedRoleOf(caller.arn);
  return set.aws.some((entry) => {
    if (entry === '*') return true;
    const account = ACCOUNT_ID.test(entry) ? entry : /^arn:aws(?:-[a-z]+)*:iam::([0-9]{12}):root$/.exec(entry)?.[1];
    if (account !== undefined) return caller.accountId === account;
    if (entry === caller.arn) return true;
    // A role names every session of it; the role's ARN may carry a path the session's does not.
    return roleArn !== undefined && entry.startsWith(roleArn.prefix) && entry.endsWith(`/${roleArn.role}`);
  });
}

/** For `arn:aws:sts::A:assumed-role/R/S`: the role R of account A, to match `arn:aws:iam::A:role/(path/)R`. */
function assumedRoleOf(arn: string): { prefix: string; role: string } | undefined {
  const match = /^arn:(aws(?:-[a-z]+)*):sts::([0-9]{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return match ? { prefix: `arn:${match[1]}:iam::${match[2]}:role/`, role: match[3]! } : undefined;
}

/**
 * Whether setting the policy would lock the caller out of changing it again:
 * an explicit Deny of ecr:SetRepositoryPolicy for them. SetRepositoryPolicy
 * refuses such a policy unless `force` is set.
 */
export function locksOut(policy: RepositoryPolicy, caller: PolicyCaller): boolean {
  return evaluatePolicy(policy, { caller, action: 'ecr:SetRepositoryPolicy' }) === 'deny';
}
