import { randomUUID } from 'node:crypto';
import { LIFECYCLE_POLICY_LENGTH } from '../../lifecycle/policy.js';
import { expiringImages } from '../../lifecycle/preview.js';
import type { LifecyclePreviewRecord, LifecyclePreviewResultRecord } from '../../store/lifecycle-preview-store.js';
import type { Action, ManagementServices } from '../context.js';
import { EcrError } from '../errors.js';
import { repositoryNameOf } from '../identifiers.js';
import { imageIdsOf, type ImageId } from '../images.js';
import { decodeToken, encodeToken } from '../pagination.js';
import { optionalEnum, optionalInteger, optionalObject, optionalString, type Input } from '../validation.js';
import { epochSeconds } from '../views.js';
import { acceptedLifecyclePolicy, lifecyclePolicyNotFound, lifecycleView } from './lifecycle-policies.js';
import { notFound, requireRepository } from './repositories.js';

/**
 * StartLifecyclePolicyPreview and GetLifecyclePolicyPreview. A preview evaluates a policy
 * (the one given, or the saved one) as the scheduled job does, deletes nothing, and is kept,
 * one per repository, until the next preview or until it expires (BERTH_LIFECYCLE_PREVIEW_SECONDS).
 * It completes before Start answers, so its status is always COMPLETE.
 */

/** Without maxResults, GetLifecyclePolicyPreview returns up to 100 results, as ECR does. */
const DEFAULT_PREVIEW_PAGE = 100;
const TAG_STATUSES = ['TAGGED', 'UNTAGGED', 'ANY'] as const;

export const startLifecyclePolicyPreview: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const given = optionalString(input, 'lifecyclePolicyText', LIFECYCLE_POLICY_LENGTH);
  const givenPolicy = given === undefined ? undefined : acceptedLifecyclePolicy(given);
  const record = await requireRepository(services, name);
  const lifecyclePolicyText = given ?? record.lifecyclePolicyText;
  if (lifecyclePolicyText === undefined) throw lifecyclePolicyNotFound(services, name);
  // A saved policy was accepted when it was put.
  const policy = givenPolicy ?? acceptedLifecyclePolicy(lifecyclePolicyText);
  const now = services.now();
  const expiring = await expiringImages(services.store, name, policy, now);
  const preview: LifecyclePreviewRecord = {
    previewId: randomUUID(),
    lifecyclePolicyText,
    expiringImageTotalCount: expiring.length,
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + services.lifecyclePreviewSeconds,
  };
  const results = expiring.map((image) => ({ digest: image.digest, tags: image.tags, pushedAt: image.pushedAt.toISOString(), rulePriority: image.rulePriority }));
  if (!(await services.lifecyclePreviews.save(name, preview, results))) throw notFound(services.identity, name);
  return { ...lifecycleView(services, name, lifecyclePolicyText), status: 'COMPLETE' };
};

export const getLifecyclePolicyPreview: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const imageIds = imageIdsOf(input, false);
  const maxResults = optionalInteger(input, 'maxResults', 1, 100);
  const nextToken = optionalString(input, 'nextToken');
  const tagStatus = tagStatusOf(input);
  if (imageIds !== undefined && (maxResults !== undefined || nextToken !== undefined)) {
    throw new EcrError('InvalidParameterException', 'imageIds cannot be combined with maxResults or nextToken');
  }
  const after = decodeToken(nextToken);
  await requireRepository(services, name);
  const preview = await services.lifecyclePreviews.get(name);
  if (!preview || preview.expiresAt * 1000 <= services.now().getTime()) throw previewNotFound(services, name);

  const view = {
    ...lifecycleView(services, name, preview.lifecyclePolicyText),
    status: 'COMPLETE',
    summary: { expiringImageTotalCount: preview.expiringImageTotalCount },
  };
  if (imageIds !== undefined) {
    const named = (await everyResult(services, name, preview.previewId, tagStatus)).filter((result) => imageIds.some((id) => names(id, result)));
    return { ...view, previewResults: named.map(resultView) };
  }
  const page = await services.lifecyclePreviews.listResults(name, preview.previewId, after, maxResults ?? DEFAULT_PREVIEW_PAGE, tagStatus);
  return {
    ...view,
    previewResults: page.items.map(resultView),
    ...(page.more ? { nextToken: encodeToken(page.items.at(-1)!.digest) } : {}),
  };
};

function previewNotFound(services: ManagementServices, name: string): EcrError {
  return new EcrError('LifecyclePolicyPreviewNotFoundException',
    `Lifecycle policy preview does not exist for the repository with name '${name}' in the registry with id '${services.identity.accountId}'`);
}

/** filter.tagStatus; ANY, like no filter, is undefined. */
function tagStatusOf(input: Input): 'TAGGED' | 'UNTAGGED' | undefined {
  const filter = optionalObject(input, 'filter');
  const tagStatus = filter && optionalEnum(filter, 'tagStatus', TAG_STATUSES);
  return tagStatus === 'ANY' ? undefined : tagStatus;
}

async function everyResult(services: ManagementServices, name: string, previewId: string, tagStatus: 'TAGGED' | 'UNTAGGED' | undefined): Promise<LifecyclePreviewResultRecord[]> {
  const results: LifecyclePreviewResultRecord[] = [];
  let after: string | undefined;
  do {
    const page = await services.lifecyclePreviews.listResults(name, previewId, after, 1000, tagStatus);
    results.push(...page.items);
    after = page.more ? page.items.at(-1)!.digest : undefined;
  } while (after !== undefined);
  return results;
}

/** Whether an image id names the result: its digest, one of its tags, or both. */
function names(id: ImageId, result: LifecyclePreviewResultRecord): boolean {
  return (id.imageDigest === undefined || id.imageDigest === result.digest) && (id.imageTag === undefined || result.tags.includes(id.imageTag))
    && (id.imageDigest !== undefined || id.imageTag !== undefined);
}

function resultView(result: LifecyclePreviewResultRecord): Record<string, unknown> {
  return {
    ...(result.tags.length > 0 ? { imageTags: result.tags } : {}),
    imageDigest: result.digest,
    imagePushedAt: epochSeconds(result.pushedAt),
    action: { type: 'EXPIRE' },
    appliedRulePriority: result.rulePriority,
  };
}
