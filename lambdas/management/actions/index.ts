import type { Action } from '../context.js';
import { getAuthorizationToken } from './authorization-token.js';
import {
  createRepositoryCreationTemplate, deleteRepositoryCreationTemplate, describeRegistry,
  describeRepositoryCreationTemplates, updateRepositoryCreationTemplate,
} from './creation-templates.js';
import { batchDeleteImage, batchGetImage } from './image-batches.js';
import { describeImages, listImages } from './images.js';
import { batchCheckLayerAvailability, getDownloadUrlForLayer } from './layers.js';
import { deleteLifecyclePolicy, getLifecyclePolicy, putLifecyclePolicy } from './lifecycle-policies.js';
import { getLifecyclePolicyPreview, startLifecyclePolicyPreview } from './lifecycle-preview.js';
import { createRepository, deleteRepository, describeRepositories, putImageTagMutability } from './repositories.js';
import { putImage } from './put-image.js';
import {
  createPullThroughCacheRule, deletePullThroughCacheRule, describePullThroughCacheRules, updatePullThroughCacheRule, validatePullThroughCacheRule,
} from './pull-through-cache-rules.js';
import { deleteRepositoryPolicy, getRepositoryPolicy, setRepositoryPolicy } from './repository-policies.js';
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
  ListImages: listImages,
  DescribeImages: describeImages,
  BatchGetImage: batchGetImage,
  BatchDeleteImage: batchDeleteImage,
  PutImage: putImage,
  BatchCheckLayerAvailability: batchCheckLayerAvailability,
  GetDownloadUrlForLayer: getDownloadUrlForLayer,
  GetRepositoryPolicy: getRepositoryPolicy,
  SetRepositoryPolicy: setRepositoryPolicy,
  DeleteRepositoryPolicy: deleteRepositoryPolicy,
  PutLifecyclePolicy: putLifecyclePolicy,
  GetLifecyclePolicy: getLifecyclePolicy,
  DeleteLifecyclePolicy: deleteLifecyclePolicy,
  StartLifecyclePolicyPreview: startLifecyclePolicyPreview,
  GetLifecyclePolicyPreview: getLifecyclePolicyPreview,
  DescribeRegistry: describeRegistry,
  GetAuthorizationToken: getAuthorizationToken,
  CreateRepositoryCreationTemplate: createRepositoryCreationTemplate,
  DescribeRepositoryCreationTemplates: describeRepositoryCreationTemplates,
  UpdateRepositoryCreationTemplate: updateRepositoryCreationTemplate,
  DeleteRepositoryCreationTemplate: deleteRepositoryCreationTemplate,
  CreatePullThroughCacheRule: createPullThroughCacheRule,
  DescribePullThroughCacheRules: describePullThroughCacheRules,
  UpdatePullThroughCacheRule: updatePullThroughCacheRule,
  DeletePullThroughCacheRule: deletePullThroughCacheRule,
  ValidatePullThroughCacheRule: validatePullThroughCacheRule,
};
