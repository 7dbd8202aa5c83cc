import { globMatches } from './glob.js';
import { actionMatches, POLICY_VERSIONS, type PolicyDecision } from './repository-policy.js';

/**
 * The policy an issued access key carries: an IAM identity policy whose
 * statements name actions and resources (repository ARNs, wildcards allowed).
 *
 * Berth evaluates Effect, Action/NotAction and Resource/NotResource. It refuses
 * what it does not evaluate (Condition, for one) instead of ignoring it, because
 * ignoring an element grants more than the text says.
 */
export interface IdentityStatement {
  effect: 'Allow' | 'Deny';
  /** Action patterns as written; `negated` for NotAction. */
  actions: { negated: boolean; patterns: string[] };
  /** Resource ARN patterns as written; `negated` for NotResource. */
  resources: { negated: boolean; patterns: string[] };
}

export class IdentityPolicyError extends Error {
  override name = 'IdentityPolicyError';
}

const POLICY_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource']);
/** Elements IAM knows that Berth does not evaluate in a key's policy, and why. */
const UNSUPPORTED: Record<string, string> = {
  Condition: 'Berth does not evaluate conditions in an access key\'s policy; scope the key with Resource or NotResource instead',
  Principal: 'an identity policy names no principal; the key is its principal',
  NotPrincipal: 'an identity policy names no principal; the key is its principal',
};

function fail(message: string): never {
  throw new IdentityPolicyError(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown, where: string): string[] {
  const items = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(items) || items.length === 0 || items.some((item) => typeof item !== 'string' || item === '')) {
    fail(`${where} must be a non-empty string or a non-empty list of them`);
  }
  return items as string[];
}

/** One of `key` and `notKey`, exactly: which, and its patterns. */
function either(statement: Record<string, unknown>, key: string, notKey: string, where: string): { negated: boolean; patterns: string[] } {
  const has = statement[key] !== undefined;
  const hasNot = statement[notKey] !== undefined;
  if (has === hasNot) fail(`${where} needs exactly one of ${key} and ${notKey}`);
  return has ? { negated: false, patterns: list(statement[key], `${where}.${key}`) } : { negated: true, patterns: list(statement[notKey], `${where}.${notKey}`) };
}

/** Parses and validates a key's policy; throws IdentityPolicyError naming the element at fault. */
export function parseIdentityPolicy(text: string): IdentityStatement[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    fail('the policy is not valid JSON');
  }
  if (!isObject(document)) fail('the policy must be a JSON object');
  for (const key of Object.keys(document)) {
    if (!POLICY_KEYS.has(key)) fail(`unknown policy element ${JSON.stringify(key)}; a policy has Version, Id and Statement`);
  }
  if (document.Version !== undefined && !POLICY_VERSIONS.includes(document.Version as typeof POLICY_VERSIONS[number])) {
    fail(`Version must be one of ${POLICY_VERSIONS.join(', ')}`);
  }
  const raw = document.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (statements.length === 0) fail('the policy needs a Statement');
  return statements.map((statement: unknown, index) => {
    const at = `Statement[${index}]`;
    if (!isObject(statement)) fail(`${at} must be an object`);
    for (const key of Object.keys(statement)) {
      if (Object.hasOwn(UNSUPPORTED, key)) fail(`${at}.${key} is not supported: ${UNSUPPORTED[key]}`);
      if (!STATEMENT_KEYS.has(key)) fail(`${at} has unknown element ${JSON.stringify(key)}`);
    }
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') fail(`${at}.Effect must be Allow or Deny`);
    return {
      effect: statement.Effect,
      actions: either(statement, 'Action', 'NotAction', at),
      resources: either(statement, 'Resource', 'NotResource', at),
    };
  });
}

/** Resource ARNs match case-sensitively, with `*` and `?` wildcards, as in IAM. */
function resourceMatches(pattern: string, resource: string): boolean {
  return globMatches(pattern, resource, { questionMark: true });
}

/** As IAM evaluates: a matching Deny wins, else a matching Allow allows, else nothing does. */
function evaluateIdentityPolicy(statements: IdentityStatement[], action: string, resource: string): PolicyDecision {
  let allowed = false;
  for (const statement of statements) {
    const actionHit = statement.actions.patterns.some((pattern) => actionMatches(pattern, action)) !== statement.actions.negated;
    const resourceHit = statement.resources.patterns.some((pattern) => resourceMatches(pattern, resource)) !== statement.resources.negated;
    if (!actionHit || !resourceHit) continue;
    if (statement.effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'none';
}

/**
 * The decision of a stored key's policy. Text that does not parse today (stored
 * before the parser refused Condition or a missing Resource, or carried in an
 * older token) grants nothing: it is read as an explicit Deny.
 */
export function identityPolicyDecision(text: string, action: string, resource: string): PolicyDecision {
  let statements: IdentityStatement[];
  try {
    statements = parseIdentityPolicy(text);
  } catch (error) {
    if (error instanceof IdentityPolicyError) return 'deny';
    throw error;
  }
  return evaluateIdentityPolicy(statements, action, resource);
}
