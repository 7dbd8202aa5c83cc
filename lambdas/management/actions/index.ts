import type { Action } from '../context.js';
import { createRepository, deleteRepository, describeRepositories, putImageTagMutability } from './repositories.js';
import { listTagsForResource, tagResource, untagResource } from './resource-tags.js';

/** Every ECR action Berth serves, by its X-Amz-Target name. */
export const ACTIONS: Record<string, Action> = {
  CreateRepository: createRepository,
  DescribeRepositories: describeRepositories,
  DeleteRepository: deleteRepository,
  PutImageTagMutability: putImageTagMutability,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
