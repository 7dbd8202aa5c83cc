import type { RepositoryRecord, RepositorySettings } from './records.js';

/** What a repository gets when its creator says nothing, as in ECR. */
export const DEFAULT_REPOSITORY_SETTINGS: RepositorySettings = {
  imageTagMutability: 'MUTABLE',
  imageTagMutabilityExclusionFilters: [],
  imageScanningConfiguration: { scanOnPush: false },
  encryptionConfiguration: { encryptionType: 'AES256' },
  tags: [],
};

export function newRepository(name: string, createdAt: Date, settings: Partial<RepositorySettings> = {}): RepositoryRecord {
  return { name, createdAt: createdAt.toISOString(), version: 1, ...DEFAULT_REPOSITORY_SETTINGS, ...settings };
}
