import { isAllowed } from '../auth/authorize.js';
import type { ManagementServices, Principal } from './context.js';
import { EcrError } from './errors.js';
import { repositoryArn, REPOSITORY_NAME } from './identifiers.js';
import type { Input } from './validation.js';

/** Actions any authenticated caller may call: what they grant is decided where it is used. */
const UNRESTRICTED = new Set(['GetAuthorizationToken']);

/**
 * The repository an action's input names, if any: `repositoryName`, or the
 * repository of a `resourceArn`. Malformed values are left for the action's
 * own validation to refuse.
 */
function repositoryOf(services: ManagementServices, input: Input): string | undefined {
  if (typeof input.repositoryName === 'string' && REPOSITORY_NAME.pattern.test(input.repositoryName)) return input.repositoryName;
  const prefix = `arn:aws:ecr:${services.identity.region}:${services.identity.accountId}:repository/`;
  if (typeof input.resourceArn === 'string' && input.resourceArn.startsWith(prefix)) return input.resourceArn.slice(prefix.length);
  return undefined;
}

/**
 * Refuses an ECR action the caller may not perform on the repository it names:
 * the repository policy's explicit Deny, an issued key's own policy, or a caller
 * from another account that the repository policy does not allow.
 */
export async function authorizeAction(services: ManagementServices, principal: Principal, action: string, input: Input): Promise<void> {
  if (UNRESTRICTED.has(action)) return;
  const repository = repositoryOf(services, input);
  if (!(await mayPerform(services, principal, action, repository))) {
    const resource = repository === undefined ? '*' : repositoryArn(services.identity, repository);
    throw new EcrError('AccessDeniedException', `User: ${principal.arn} is not authorized to perform: ecr:${action} on resource: ${resource}`);
  }
}

/** Whether the caller may perform an ECR action on a repository (or registry-wide, without one). */
export async function mayPerform(services: ManagementServices, principal: Principal, action: string, repository: string | undefined): Promise<boolean> {
  const record = repository === undefined ? undefined : await services.store.getRepository(repository);
  return isAllowed({
    caller: {
      kind: 'principal',
      arn: principal.arn,
      accountId: principal.accountId,
      ...(principal.issuedKey?.policyText === undefined ? {} : { identityPolicyText: principal.issuedKey.policyText }),
    },
    action: `ecr:${action}`,
    resource: repository === undefined ? '*' : repositoryArn(services.identity, repository),
    ...(record?.policyText === undefined ? {} : { repositoryPolicyText: record.policyText }),
    registryAccountId: services.identity.accountId,
  });
}
