import { repositoryArn as arnOfRepository } from '../shared/arns.js';
import { invalidParameter, optionalString, requiredString, type Input } from './validation.js';

/** Where this registry lives: what ARNs, URIs and registry IDs are made of. */
export interface RegistryIdentity {
  accountId: string;
  region: string;
  /** Host (and port) clients put in image names, e.g. registry.example.com or 127.0.0.1:5000. */
  registryHost: string;
  /** URL of the registry endpoint, as GetAuthorizationToken's proxyEndpoint. */
  proxyEndpoint: string;
}

/** ECR's RepositoryName pattern in its API model (stricter than the OCI grammar, which also allows `__` and `--`). */
const REPOSITORY_NAME_SOURCE = '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';
/** ECR's repository name constraint. */
export const REPOSITORY_NAME = { min: 2, max: 256, pattern: new RegExp(`^(?:${REPOSITORY_NAME_SOURCE})$`) };
const REGISTRY_ID = /^[0-9]{12}$/;

/**
 * Whether a repository can have this name: a longer one cannot even key a
 * table item. No minimum: a push through /v2/ may create a one-letter repository.
 */
export function isRepositoryName(name: string): boolean {
  return name.length <= REPOSITORY_NAME.max && REPOSITORY_NAME.pattern.test(name);
}

export function repositoryArn(identity: RegistryIdentity, name: string): string {
  return arnOfRepository(identity, name);
}

export function repositoryUri(identity: RegistryIdentity, name: string): string {
  return `${identity.registryHost}/${name}`;
}

/** The repository an ARN of this registry names; anything else is an InvalidParameterException, as in ECR. */
export function repositoryFromArn(identity: RegistryIdentity, arn: string): string {
  const prefix = arnOfRepository(identity, '');
  const name = arn.startsWith(prefix) ? arn.slice(prefix.length) : undefined;
  if (name === undefined || !isRepositoryName(name)) {
    throw invalidParameter('resourceArn', `Invalid ARN ${arn}; expected ${prefix}<repository name>`);
  }
  return name;
}

/**
 * Reads `repositoryName`, and checks that `registryId`, when given, is this registry's.
 * A name outside the constraint is an InvalidParameterException in ECR's words,
 * which Terraform and scripts match on; a missing one stays a ValidationException.
 */
export function repositoryNameOf(identity: RegistryIdentity, input: Input): string {
  checkRegistryId(identity, input);
  return checkRepositoryName('repositoryName', requiredString(input, 'repositoryName'));
}

/** The name, if ECR would accept it in `field`; otherwise ECR's InvalidParameterException for that field. */
export function checkRepositoryName(field: string, name: string): string {
  const broken = name.length < REPOSITORY_NAME.min ? `must have length greater than or equal to ${REPOSITORY_NAME.min}`
    : name.length > REPOSITORY_NAME.max ? `must have length less than or equal to ${REPOSITORY_NAME.max}`
      : REPOSITORY_NAME.pattern.test(name) ? undefined : `must satisfy regular expression '${REPOSITORY_NAME_SOURCE}'`;
  if (broken !== undefined) throw invalidParameter(field, broken);
  return name;
}

export function checkRegistryId(identity: RegistryIdentity, input: Input): void {
  const registryId = optionalString(input, 'registryId', { pattern: REGISTRY_ID });
  if (registryId !== undefined && registryId !== identity.accountId) {
    throw invalidParameter('registryId', `${registryId} is not this registry (${identity.accountId})`);
  }
}

