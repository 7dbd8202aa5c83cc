import type { RepositoryRecord } from '../store/records.js';
import { repositoryArn, repositoryUri, type RegistryIdentity } from './identifiers.js';

/** JSON 1.1 timestamps are epoch seconds. */
export function epochSeconds(iso: string): number {
  return new Date(iso).getTime() / 1000;
}

/** A repository in ECR's `Repository` shape. */
export function repositoryView(identity: RegistryIdentity, record: RepositoryRecord): Record<string, unknown> {
  return {
    repositoryArn: repositoryArn(identity, record.name),
    registryId: identity.accountId,
    repositoryName: record.name,
    repositoryUri: repositoryUri(identity, record.name),
    createdAt: epochSeconds(record.createdAt),
    imageTagMutability: record.imageTagMutability,
    ...(record.imageTagMutabilityExclusionFilters.length > 0
      ? { imageTagMutabilityExclusionFilters: record.imageTagMutabilityExclusionFilters }
      : {}),
    imageScanningConfiguration: record.imageScanningConfiguration,
    encryptionConfiguration: record.encryptionConfiguration,
  };
}
