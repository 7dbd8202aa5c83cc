import { ImageDeletions } from '../../registry/manifests/image-deletions.js';
import { filteredPage } from '../../registry/pagination.js';
import { Repositories } from '../../registry/repositories.js';
import { newRepository } from '../../store/repository-defaults.js';
import type { RepositoryRecord } from '../../store/records.js';
import { accessDenied, mayPerformOn } from '../authorization.js';
import type { Action, ActionContext, ManagementServices } from '../context.js';
import { EcrError, repositoryNotFound } from '../errors.js';
import { checkRegistryId, checkRepositoryName, repositoryNameOf, type RegistryIdentity } from '../identifiers.js';
import { decodeToken, encodeToken } from '../pagination.js';
import { encryptionOf, mergeTags, resourceTagsOf, scanningOf, tagMutabilityOf } from '../repository-settings.js';
import { optionalBoolean, optionalInteger, optionalList, optionalString } from '../validation.js';
import { repositoryView } from '../views.js';

/** Without maxResults, DescribeRepositories returns up to 100 repositories, as ECR does. */
const DEFAULT_PAGE = 100;

export function notFound(identity: RegistryIdentity, name: string): EcrError {
  return repositoryNotFound(identity.accountId, name);
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
  if (!(await new Repositories(services.store, services.templates, false, services.now, services.events).create(record))) {
    throw new EcrError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${services.identity.accountId}'`);
  }
  return { repository: repositoryView(services.identity, record) };
};

/**
 * DescribeRepositories, authorized per repository as ECR does: a listing holds
 * only the repositories the caller may describe (and pages count only those),
 * and naming one the caller may not describe refuses the whole request.
 */
export const describeRepositories: Action = async (context) => {
  const { input, services } = context;
  checkRegistryId(services.identity, input);
  const names = optionalList(input, 'repositoryNames', { min: 1, max: 100 });
  const maxResults = optionalInteger(input, 'maxResults', 1, 1000);
  const nextToken = optionalString(input, 'nextToken');
  if (names === undefined) return listRepositories(context, maxResults ?? DEFAULT_PAGE, decodeToken(nextToken));
  if (maxResults !== undefined || nextToken !== undefined) {
    throw new EcrError('InvalidParameterException', 'repositoryNames cannot be combined with maxResults or nextToken');
  }
  return { repositories: (await describeNamed(context, names)).map((record) => repositoryView(services.identity, record)) };
};

/** The named repositories, in order; refused whole for the first the caller may not describe, then the first missing. */
async function describeNamed({ principal, services }: ActionContext, names: unknown[]): Promise<RepositoryRecord[]> {
  const checked = names.map((name) => {
    if (typeof name !== 'string') throw new EcrError('SerializationException', 'repositoryNames must be a list of strings');
    return checkRepositoryName('repositoryNames', name);
  });
  const records = await Promise.all(checked.map((name) => services.store.getRepository(name)));
  // Refused before a missing one is reported, so that a refusal says nothing about what exists.
  const denied = checked.find((name, index) => !mayPerformOn(services, principal, 'DescribeRepositories', name, records[index]));
  if (denied !== undefined) throw accessDenied(services, principal, 'DescribeRepositories', denied);
  const missing = checked.findIndex((_, index) => records[index] === undefined);
  if (missing >= 0) throw notFound(services.identity, checked[missing]!);
  return records as RepositoryRecord[];
}

/** A page of the repositories the caller may describe, in name order after `after`. */
async function listRepositories({ principal, services }: ActionContext, limit: number, after: string | undefined): Promise<Record<string, unknown>> {
  const seen = new Map<string, RepositoryRecord>();
  const page = await filteredPage(
    (from, count) => services.store.listRepositories(from, count),
    async (name) => {
      // Deleted since it was listed, or not the caller's to see.
      const record = await services.store.getRepository(name);
      if (!record || !mayPerformOn(services, principal, 'DescribeRepositories', name, record)) return false;
      seen.set(name, record);
      return true;
    },
    limit,
    after,
  );
  return {
    repositories: page.items.map((name) => repositoryView(services.identity, seen.get(name)!)),
    ...(page.next === undefined ? {} : { nextToken: encodeToken(page.next) }),
  };
}

export const deleteRepository: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const force = optionalBoolean(input, 'force') ?? false;
  // The store checks emptiness once pushes into the repository are stopped, so none slips in;
  // RepositoryNotEmptyError becomes ECR's RepositoryNotEmptyException at the edge.
  const deleted = await new ImageDeletions(services.store, services.events).deleteRepository(name, { ifEmpty: !force });
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
