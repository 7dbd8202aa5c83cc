import { identityPolicyDecision } from './identity-policy.js';
import { evaluatePolicy, parseRepositoryPolicy } from './repository-policy.js';

/** Who asks: a signed-in principal (maybe limited by an issued key's policy), or nobody. */
export type Caller =
  | { kind: 'principal'; arn: string; accountId: string; identityPolicyText?: string }
  | { kind: 'anonymous' };

export interface AccessQuestion {
  caller: Caller;
  /** An ECR action name, e.g. ecr:BatchGetImage. */
  action: string;
  /** The repository's ARN, or `*` for registry-wide actions. */
  resource: string;
  /** The repository's policy text, when it has one. */
  repositoryPolicyText?: string;
  /** The account that owns the registry. */
  registryAccountId: string;
}

/**
 * Decides one action on one repository, as ECR does: an explicit Deny in the
 * repository policy or the caller's own policy wins; principals of the
 * registry's account are allowed by default; others (and anonymous callers,
 * through Principal "*") need the repository policy to allow them.
 */
export function isAllowed(question: AccessQuestion): boolean {
  const { caller, action } = question;
  const repositoryPolicy = question.repositoryPolicyText === undefined ? undefined : parseRepositoryPolicy(question.repositoryPolicyText);
  const policyCaller = caller.kind === 'principal' ? { arn: caller.arn, accountId: caller.accountId } : {};
  const byRepository = repositoryPolicy ? evaluatePolicy(repositoryPolicy, { caller: policyCaller, action }) : 'none';
  if (byRepository === 'deny') return false;
  if (caller.kind === 'anonymous') return byRepository === 'allow';

  if (caller.identityPolicyText !== undefined) {
    if (identityPolicyDecision(caller.identityPolicyText, action, question.resource) !== 'allow') return false;
  }
  return caller.accountId === question.registryAccountId || byRepository === 'allow';
}
