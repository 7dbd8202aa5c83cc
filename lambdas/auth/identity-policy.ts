import { actionMatches, type PolicyDecision } from './repository-policy.js';

/**
 * The policy an issued access key carries: an IAM identity policy whose
 * statements name actions and resources (repository ARNs, wildcards allowed).
 */
export interface IdentityStatement {
  effect: 'Allow' | 'Deny';
  actions?: string[];
  notActions?: string[];
  resources: string[];
}

export class IdentityPolicyError extends Error {
  override name = 'IdentityPolicyError';
}

function list(value: unknown, field: string): string[] {
  const items = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(items) || items.length === 0 || items.some((item) => typeof item !== 'string')) {
    throw new IdentityPolicyError(`${field} must be a string or a non-empty list of strings`);
  }
  return items as string[];
}

export function parseIdentityPolicy(text: string): IdentityStatement[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new IdentityPolicyError('the policy is not valid JSON');
  }
  const raw = (document as { Statement?: unknown } | null)?.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? undefined : [raw];
  if (!statements || statements.length === 0) throw new IdentityPolicyError('the policy needs a Statement');
  return statements.map((statement: Record<string, unknown>, index) => {
    const at = `Statement[${index}]`;
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') throw new IdentityPolicyError(`${at}.Effect must be Allow or Deny`);
    if ((statement.Action === undefined) === (statement.NotAction === undefined)) {
      throw new IdentityPolicyError(`${at} needs exactly one of Action and NotAction`);
    }
    return {
      effect: statement.Effect,
      ...(statement.Action === undefined ? {} : { actions: list(statement.Action, `${at}.Action`) }),
      ...(statement.NotAction === undefined ? {} : { notActions: list(statement.NotAction, `${at}.NotAction`) }),
      resources: list(statement.Resource ?? '*', `${at}.Resource`),
    };
  });
}

/** Resource ARNs match case-sensitively, with `*` and `?` wildcards, as in IAM. */
function resourceMatches(pattern: string, resource: string): boolean {
  const source = [...pattern].map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(resource);
}

/** As IAM evaluates: a matching Deny wins, else a matching Allow allows, else nothing does. */
export function evaluateIdentityPolicy(statements: IdentityStatement[], action: string, resource: string): PolicyDecision {
  let allowed = false;
  for (const statement of statements) {
    const actionHit = statement.actions
      ? statement.actions.some((pattern) => actionMatches(pattern, action))
      : !statement.notActions!.some((pattern) => actionMatches(pattern, action));
    if (!actionHit || !statement.resources.some((pattern) => resourceMatches(pattern, resource))) continue;
    if (statement.effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'none';
}
