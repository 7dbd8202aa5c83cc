import { isAllowed } from '../auth/authorize.js';
import type { RepositoryRecord } from '../store/records.js';
import type { ManagementServices, Principal } from './context.js';
import { EcrError } from './errors.js';
import { isRepositoryName, repositoryArn, repositoryFromArn } from './identifiers.js';
import type { Input } from './validation.js';

/**
 * Where an action names the resource it is authorized on, when not in `repositoryName`:
 * - `resourceArn`: the repository of that ARN, whatever else the input holds;
 * - `registry`: registry-wide (`*`), whatever repository the input names;
 * - `action`: not up front: GetAuthorizationToken's token is checked where it is used,
 *   and DescribeRepositories checks each repository it would describe.
 */
const RESOURCES: Record<string, 'resourceArn' | 'registry' | 'action'> = {
  GetAuthorizationToken: 'action',
  DescribeRepositories: 'action',
  TagResource: 'resourceArn',
  UntagResource: 'resourceArn',
  ListTagsForResource: 'resourceArn',
  DescribeRegistry: 'registry',
  CreateRepositoryCreationTemplate: 'registry',
  DescribeRepositoryCreationTemplates: 'registry',
  UpdateRepositoryCreationTemplate: 'registry',
  DeleteRepositoryCreationTemplate: 'registry',
};

/**
 * The repository an action is authorized on, or undefined for registry-wide.
 * Malformed values are authorized as registry-wide and left for the action's
 * own validation to refuse.
 */
function repositoryOf(services: ManagementServices, action: string, input: Input): string | undefined {
  const source = RESOURCES[action];
  if (source === 'registry') return undefined;
  if (source === 'resourceArn') return typeof input.resourceArn === 'string' ? arnRepository(services, input.resourceArn) : undefined;
  const name = input.repositoryName;
  return typeof name === 'string' && isRepositoryName(name) ? name : undefined;
}

/** The repository a resource ARN names, read as the resource-tag actions read it. */
function arnRepository(services: ManagementServices, arn: string): string | undefined {
  try {
    return repositoryFromArn(services.identity, arn);
  } catch {
    return undefined;
  }
}

/**
 * Refuses an ECR action the caller may not perform on the repository it names:
 * the repository policy's explicit Deny, an issued key's own policy, or a caller
 * from another account that the repository policy does not allow.
 */
export async function authorizeAction(services: ManagementServices, principal: Principal, action: string, input: Input): Promise<void> {
  if (RESOURCES[action] === 'action') return;
  const repository = repositoryOf(services, action, input);
  if (!(await mayPerform(services, principal, action, repository))) throw accessDenied(services, principal, action, repository);
}

/** ECR's AccessDeniedException for an action on a repository (or registry-wide, without one). */
export function accessDenied(services: ManagementServices, principal: Principal, action: string, repository: string | undefined): EcrError {
  const resource = repository === undefined ? '*' : repositoryArn(services.identity, repository);
  return new EcrError('AccessDeniedException', `User: ${principal.arn} is not authorized to perform: ecr:${action} on resource: ${resource}`);
}

/** Whether the caller may perform an ECR action on a repository (or registry-wide, without one). */
export async function mayPerform(services: ManagementServices, principal: Principal, action: string, repository: string | undefined): Promise<boolean> {
  const record = repository === undefined ? undefined : await services.store.getRepository(repository);
  return mayPerformOn(services, principal, action, repository, record);
}

/**
 * The same decision for a repository already read: `record` is the repository
 * named `repository`, or undefined when there is none by that name.
 */
export function mayPerformOn(
  services: ManagementServices,
  principal: Principal,
  action: string,
  repository: string | undefined,
  record: RepositoryRecord | undefined,
): boolean {
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
