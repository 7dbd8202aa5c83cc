import type { RepositorySettings, TagMutability } from '../store/records.js';
import { EcrError } from './errors.js';
import { constraintError, objectsOf, optionalBoolean, optionalEnum, optionalList, optionalObject, optionalString, requiredString, type Input } from './validation.js';

/** Validation of the settings a repository carries: tag mutability, scanning, encryption, resource tags. */

export const TAG_MUTABILITY: readonly TagMutability[] = ['MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION'];
const EXCLUSION_FILTER = /^[0-9a-zA-Z._*-]{1,128}$/;
export const MAX_EXCLUSION_FILTERS = 5;
export const MAX_RESOURCE_TAGS = 50;

export function tagMutabilityOf(input: Input, required: boolean): Pick<RepositorySettings, 'imageTagMutability' | 'imageTagMutabilityExclusionFilters'> | undefined {
  const mutability = optionalEnum(input, 'imageTagMutability', TAG_MUTABILITY);
  const filters = optionalList(input, 'imageTagMutabilityExclusionFilters', { min: 1, max: MAX_EXCLUSION_FILTERS });
  if (mutability === undefined) {
    if (required) throw constraintError('imageTagMutability', null, 'Member must not be null');
    if (filters !== undefined) throw new EcrError('InvalidParameterException', 'imageTagMutabilityExclusionFilters need an imageTagMutability of IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION');
    return undefined;
  }
  const withExclusion = mutability.endsWith('_WITH_EXCLUSION');
  if (withExclusion && filters === undefined) {
    throw new EcrError('InvalidParameterException', `imageTagMutability ${mutability} needs imageTagMutabilityExclusionFilters`);
  }
  if (!withExclusion && filters !== undefined) {
    throw new EcrError('InvalidParameterException', `imageTagMutabilityExclusionFilters apply only to IMMUTABLE_WITH_EXCLUSION and MUTABLE_WITH_EXCLUSION, not ${mutability}`);
  }
  const parsed = objectsOf(filters ?? [], 'imageTagMutabilityExclusionFilters').map((filter) => ({
    filterType: optionalEnum(filter, 'filterType', ['WILDCARD'] as const) ?? failMissing('filterType'),
    filter: requiredString(filter, 'filter', { pattern: EXCLUSION_FILTER }),
  }));
  return { imageTagMutability: mutability, imageTagMutabilityExclusionFilters: parsed };
}

function failMissing(field: string): never {
  throw constraintError(field, null, 'Member must not be null');
}

export function scanningOf(input: Input): RepositorySettings['imageScanningConfiguration'] | undefined {
  const config = optionalObject(input, 'imageScanningConfiguration');
  return config && { scanOnPush: optionalBoolean(config, 'scanOnPush') ?? false };
}

export function encryptionOf(input: Input): RepositorySettings['encryptionConfiguration'] | undefined {
  const config = optionalObject(input, 'encryptionConfiguration');
  if (!config) return undefined;
  const encryptionType = optionalEnum(config, 'encryptionType', ['AES256', 'KMS', 'KMS_DSSE'] as const) ?? failMissing('encryptionType');
  const kmsKey = optionalString(config, 'kmsKey', { min: 1, max: 2048 });
  if (kmsKey !== undefined && encryptionType === 'AES256') {
    throw new EcrError('InvalidParameterException', 'kmsKey can be given only with encryptionType KMS or KMS_DSSE');
  }
  return { encryptionType, ...(kmsKey === undefined ? {} : { kmsKey }) };
}

/** Resource tags in ECR's Key/Value form: keys 1–128 characters, values up to 256, no `aws:` prefix. */
export function resourceTagsOf(input: Input, field: string): { Key: string; Value: string }[] | undefined {
  const list = optionalList(input, field);
  if (list === undefined) return undefined;
  return objectsOf(list, field).map((tag) => {
    const Key = tag.Key;
    const Value = tag.Value ?? '';
    if (typeof Key !== 'string' || Key.length < 1 || Key.length > 128) {
      throw new EcrError('InvalidTagParameterException', `tag keys must be 1 to 128 characters long: ${JSON.stringify(Key)}`);
    }
    if (typeof Value !== 'string' || Value.length > 256) {
      throw new EcrError('InvalidTagParameterException', `tag values must be at most 256 characters long (key ${Key})`);
    }
    if (Key.toLowerCase().startsWith('aws:')) {
      throw new EcrError('InvalidTagParameterException', `the aws: prefix is reserved for AWS use (key ${Key})`);
    }
    return { Key, Value };
  });
}

/** Merges tags, later values winning, and enforces the per-repository limit. */
export function mergeTags(current: { Key: string; Value: string }[], added: { Key: string; Value: string }[]): { Key: string; Value: string }[] {
  const merged = new Map(current.map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) merged.set(tag.Key, tag.Value);
  if (merged.size > MAX_RESOURCE_TAGS) {
    throw new EcrError('TooManyTagsException', `a repository can have at most ${MAX_RESOURCE_TAGS} tags; this would make ${merged.size}`);
  }
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}
