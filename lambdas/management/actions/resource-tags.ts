import type { Action } from '../context.js';
import { repositoryFromArn } from '../identifiers.js';
import { mergeTags, resourceTagsOf } from '../repository-settings.js';
import { constraintError, requiredList, requiredString } from '../validation.js';
import { notFound } from './repositories.js';

/** TagResource, UntagResource and ListTagsForResource, addressed by repository ARN. */

export const tagResource: Action = async ({ input, services }) => {
  const name = repositoryFromArn(services.identity, requiredString(input, 'resourceArn'));
  const tags = resourceTagsOf(input, 'tags') ?? [];
  if (input.tags === undefined) throw constraintError('tags', null, 'Member must not be null');
  const updated = await services.store.updateRepository(name, (record) => ({ ...record, tags: mergeTags(record.tags, tags) }));
  if (!updated) throw notFound(services.identity, name);
  return {};
};

export const untagResource: Action = async ({ input, services }) => {
  const name = repositoryFromArn(services.identity, requiredString(input, 'resourceArn'));
  const keys = requiredList(input, 'tagKeys', { min: 0, max: 50 });
  const removed = new Set(keys.map((key) => {
    if (typeof key !== 'string' || key.length < 1 || key.length > 128) throw constraintError('tagKeys', key, 'Member must have length between 1 and 128');
    return key;
  }));
  const updated = await services.store.updateRepository(name, (record) => ({ ...record, tags: record.tags.filter((tag) => !removed.has(tag.Key)) }));
  if (!updated) throw notFound(services.identity, name);
  return {};
};

export const listTagsForResource: Action = async ({ input, services }) => {
  const name = repositoryFromArn(services.identity, requiredString(input, 'resourceArn'));
  const record = await services.store.getRepository(name);
  if (!record) throw notFound(services.identity, name);
  return { tags: record.tags };
};
