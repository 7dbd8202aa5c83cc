import { RepositoryNotEmptyError } from '../../store/errors.js';
import { newRepository } from '../../store/repository-defaults.js';
import type { RepositoryRecord } from '../../store/records.js';
import type { Action, ManagementServices } from '../context.js';
import { EcrError } from '../errors.js';
import { checkRegistryId, REPOSITORY_NAME, repositoryNameOf, type RegistryIdentity } from '../identifiers.js';
import { decodeToken, encodeToken } from '../pagination.js';
import { encryptionOf, mergeTags, resourceTagsOf, scanningOf, tagMutabilityOf } from '../repository-settings.js';
import { optionalBoolean, optionalInteger, optionalList, optionalString, constraintError } from '../validation.js';
import { repositoryView } from '../views.js';

/** Without maxResults, DescribeRepositories returns up to 100 repositories, as ECR does. */
const DEFAULT_PAGE = 100;

export function notFound(identity: RegistryIdentity, name: string): EcrError {
  return new EcrError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${identity.accountId}'`);
}

/** The repository, or RepositoryNotFoundException. */
export async function requireRepository(services: ManagementServices, name: string): Promise<RepositoryRecord> {
  const record = await services.store.getRepository(name);
  if (!record) throw notFound(services.identity, name);
  return record;
}

export const createRepository: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const record = newRepository(name, services.now(), {
    ...tagMutabilityOf(input, false),
    ...definedOnly({
      imageScanningConfiguration: scanningOf(input),
      encryptionConfiguration: encryptionOf(input),
      tags: mergeTags([], resourceTagsOf(input, 'tags') ?? []),
    }),
  });
  if (!(await services.store.createRepository(record))) {
    throw new EcrError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${services.identity.accountId}'`);
  }
  return { repository: repositoryView(services.identity, record) };
};

export const describeRepositories: Action = async ({ input, services }) => {
  checkRegistryId(services.identity, input);
  const names = optionalList(input, 'repositoryNames', { min: 1, max: 100 });
  const maxResults = optionalInteger(input, 'maxResults', 1, 1000);
  const nextToken = optionalString(input, 'nextToken');
  if (names !== undefined) {
    if (maxResults !== undefined || nextToken !== undefined) {
      throw new EcrError('InvalidParameterException', 'repositoryNames cannot be combined with maxResults or nextToken');
    }
    const records = await Promise.all(names.map(async (name) => {
      if (typeof name !== 'string' || !REPOSITORY_NAME.pattern.test(name)) throw constraintError('repositoryNames', name, `Member must satisfy regular expression pattern: ${REPOSITORY_NAME.pattern.source}`);
      return requireRepository(services, name);
    }));
    return { repositories: records.map((record) => repositoryView(services.identity, record)) };
  }
  const page = await services.store.listRepositories(decodeToken(nextToken), maxResults ?? DEFAULT_PAGE);
  const records = await Promise.all(page.items.map((name) => services.store.getRepository(name)));
  return {
    repositories: records.filter((record) => record !== undefined).map((record) => repositoryView(services.identity, record)),
    ...(page.more ? { nextToken: encodeToken(page.items.at(-1)!) } : {}),
  };
};

export const deleteRepository: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const force = optionalBoolean(input, 'force') ?? false;
  let deleted: RepositoryRecord | undefined;
  try {
    // The store checks emptiness once pushes into the repository are stopped, so none slips in.
    deleted = await services.store.deleteRepository(name, { ifEmpty: !force });
  } catch (error) {
    if (!(error instanceof RepositoryNotEmptyError)) throw error;
    throw new EcrError('RepositoryNotEmptyException', `The repository with name '${name}' in registry with id '${services.identity.accountId}' cannot be deleted because it still contains images`);
  }
  if (!deleted) throw notFound(services.identity, name);
  return { repository: repositoryView(services.identity, deleted) };
};

export const putImageTagMutability: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const mutability = tagMutabilityOf(input, true)!;
  const updated = await services.store.updateRepository(name, (record) => ({ ...record, ...mutability }));
  if (!updated) throw notFound(services.identity, name);
  return {
    registryId: services.identity.accountId,
    repositoryName: name,
    imageTagMutability: updated.imageTagMutability,
    ...(updated.imageTagMutabilityExclusionFilters.length > 0
      ? { imageTagMutabilityExclusionFilters: updated.imageTagMutabilityExclusionFilters }
      : {}),
  };
};

function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
