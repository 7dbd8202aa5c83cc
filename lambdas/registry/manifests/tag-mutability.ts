import { globMatches } from '../../auth/glob.js';
import type { RepositorySettings } from '../../store/records.js';

/**
 * ECR's tag-immutability rule, in one place for every push: the OCI manifest PUT
 * and ECR's PutImage both reach it through ManifestService.push.
 */

type MutabilitySettings = Pick<RepositorySettings, 'imageTagMutability' | 'imageTagMutabilityExclusionFilters'>;

/**
 * Whether an existing `tag` may not be moved to another manifest. Exclusion filters
 * turn the repository's setting around for the tags they match: IMMUTABLE_WITH_EXCLUSION
 * leaves matching tags mutable, MUTABLE_WITH_EXCLUSION makes matching tags immutable.
 */
export function isTagImmutable(settings: MutabilitySettings, tag: string): boolean {
  const excluded = () => settings.imageTagMutabilityExclusionFilters.some((filter) => wildcardMatches(filter.filter, tag));
  switch (settings.imageTagMutability) {
    case 'MUTABLE':
      return false;
    case 'IMMUTABLE':
      return true;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !excluded();
    case 'MUTABLE_WITH_EXCLUSION':
      return excluded();
  }
}

/** ECR's wording, used by both APIs. */
export function immutableTagMessage(tag: string, repository: string): string {
  return `The image tag '${tag}' already exists in the '${repository}' repository and cannot be overwritten because the repository is immutable.`;
}

/** A WILDCARD filter: `*` matches any run of characters (none included); everything else matches itself, case-sensitively. */
export function wildcardMatches(pattern: string, tag: string): boolean {
  return globMatches(pattern, tag);
}
