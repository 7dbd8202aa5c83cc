import { isValidTag, TAG_PATTERN } from '../registry/grammar.js';
import type { MetadataStore, TagStatusFilter } from '../store/metadata-store.js';
import type { ManifestSummary, StoredManifest, TagRecord } from '../store/records.js';
import { EcrError } from './errors.js';
import type { RegistryIdentity } from './identifiers.js';
import { decodeToken, encodeToken } from './pagination.js';
import { objectsOf, optionalEnum, optionalList, optionalObject, optionalString, requiredList, type Input } from './validation.js';
import { epochSeconds } from './views.js';

/** What the image actions share: ECR's image identifiers, failures, filters, tokens and views. */

/** ECR's ImageIdentifier: a tag, a digest, or both. */
export interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

export type ImageFailureCode = 'InvalidImageDigest' | 'InvalidImageTag' | 'ImageTagDoesNotMatchDigest' | 'ImageNotFound' | 'MissingDigestAndTag' | 'ImageReferencedByManifestList';

export interface ImageFailure {
  imageId: ImageId;
  failureCode: ImageFailureCode;
  failureReason: string;
}

/** ECR's ImageTag shape. */
export const IMAGE_TAG = { min: 1, max: 300 };
/** ECR's digest pattern (its LayerDigest shape), which it also applies to image digests. */
export const ECR_DIGEST = /^[a-zA-Z0-9_+.-]+:[a-fA-F0-9]+$/;
const ECR_DIGEST_SOURCE = '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+';
/** Without maxResults, ListImages and DescribeImages return up to 100 entries, as ECR does. */
export const DEFAULT_IMAGE_PAGE = 100;

/** A list of ImageIdentifier (1 to 100), each with only the fields given. */
export function imageIdsOf(input: Input, required: true): ImageId[];
export function imageIdsOf(input: Input, required: false): ImageId[] | undefined;
export function imageIdsOf(input: Input, required: boolean): ImageId[] | undefined {
  const list = required ? requiredList(input, 'imageIds', { min: 1, max: 100 }) : optionalList(input, 'imageIds', { min: 1, max: 100 });
  return list && objectsOf(list, 'imageIds').map((item) => {
    const imageDigest = optionalString(item, 'imageDigest');
    const imageTag = optionalString(item, 'imageTag', IMAGE_TAG);
    return { ...(imageDigest === undefined ? {} : { imageDigest }), ...(imageTag === undefined ? {} : { imageTag }) };
  });
}

/** The ids without repeats, in their first order. */
export function uniqueImageIds(ids: ImageId[]): ImageId[] {
  return [...new Map(ids.map((id) => [`${id.imageDigest ?? ''} ${id.imageTag ?? ''}`, id])).values()];
}

export function imageFailure(imageId: ImageId, failureCode: ImageFailureCode, failureReason: string): ImageFailure {
  return { imageId, failureCode, failureReason };
}

export function imageNotFoundFailure(imageId: ImageId): ImageFailure {
  return imageFailure(imageId, 'ImageNotFound', 'Requested image not found');
}

/** The failure for an id that cannot name an image at all, in ECR's codes and wording. */
export function invalidImageId(id: ImageId): ImageFailure | undefined {
  if (id.imageDigest === undefined && id.imageTag === undefined) {
    return imageFailure(id, 'MissingDigestAndTag', 'Invalid request parameters: both tag and digest cannot be null');
  }
  if (id.imageDigest !== undefined && !ECR_DIGEST.test(id.imageDigest)) {
    return imageFailure(id, 'InvalidImageDigest', `Invalid request parameters: image digest should satisfy the regex '${ECR_DIGEST_SOURCE}'`);
  }
  if (id.imageTag !== undefined && !isValidTag(id.imageTag)) {
    return imageFailure(id, 'InvalidImageTag', `Invalid request parameters: image tag should satisfy the regex '${TAG_PATTERN}'`);
  }
  return undefined;
}

/**
 * The manifest an id names, as its tag item (one read, with the manifest inline) or its
 * manifest item; or the failure ECR reports for it.
 */
export async function findImage(store: MetadataStore, repository: string, id: ImageId): Promise<TagRecord | StoredManifest | ImageFailure> {
  const invalid = invalidImageId(id);
  if (invalid) return invalid;
  if (id.imageTag !== undefined) {
    const tag = await store.getTag(repository, id.imageTag);
    if (!tag) return imageNotFoundFailure(id);
    if (id.imageDigest !== undefined && id.imageDigest !== tag.digest) {
      return imageFailure(id, 'ImageTagDoesNotMatchDigest', `Invalid request parameters: image tag '${id.imageTag}' does not point at digest '${id.imageDigest}'`);
    }
    return tag;
  }
  return (await store.getManifest(repository, id.imageDigest!)) ?? imageNotFoundFailure(id);
}

export function isImageFailure(value: object): value is ImageFailure {
  return 'failureCode' in value;
}

export function imageNotFound(identity: RegistryIdentity, repository: string, id: ImageId): EcrError {
  return new EcrError('ImageNotFoundException', `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repository}' in the registry with id '${identity.accountId}'`);
}

export interface ImageListFilter {
  tagStatus?: TagStatusFilter;
  /** An imageStatus of ARCHIVED or ACTIVATING: Berth archives nothing, so nothing matches. */
  matchesNothing: boolean;
}

/** ListImagesFilter and DescribeImagesFilter: tagStatus, and imageStatus of newer clients. */
export function imageListFilterOf(input: Input): ImageListFilter {
  const filter = optionalObject(input, 'filter');
  if (!filter) return { matchesNothing: false };
  const tagStatus = optionalEnum(filter, 'tagStatus', ['TAGGED', 'UNTAGGED', 'ANY'] as const);
  const imageStatus = optionalEnum(filter, 'imageStatus', ['ACTIVE', 'ARCHIVED', 'ACTIVATING', 'ANY'] as const);
  return {
    ...(tagStatus === undefined || tagStatus === 'ANY' ? {} : { tagStatus }),
    matchesNothing: imageStatus === 'ARCHIVED' || imageStatus === 'ACTIVATING',
  };
}

/** A position in a listing of images: after this digest, or after this tag of it. */
export interface ImagePosition {
  digest: string;
  tag?: string;
}

export function encodeImagePosition(position: ImagePosition): string {
  return encodeToken(position.tag === undefined ? position.digest : `${position.digest} ${position.tag}`);
}

export function decodeImagePosition(token: string | undefined): ImagePosition | undefined {
  const last = decodeToken(token);
  if (last === undefined) return undefined;
  const [digest, tag, extra] = last.split(' ');
  if (digest === undefined || !ECR_DIGEST.test(digest) || extra !== undefined) {
    throw new EcrError('InvalidParameterException', 'Invalid parameter at \'nextToken\' failed to satisfy constraint: \'the token was not issued by this registry\'');
  }
  return tag === undefined ? { digest } : { digest, tag };
}

/** ListImages entries of a manifest: one per tag, or its digest alone when it has none. */
export function imageIdsOfManifest(manifest: ManifestSummary): ImageId[] {
  if (manifest.tags.length === 0) return [{ imageDigest: manifest.digest }];
  return manifest.tags.map((imageTag) => ({ imageDigest: manifest.digest, imageTag }));
}

/** An image in ECR's ImageDetail shape. */
export function imageDetailView(identity: RegistryIdentity, repository: string, manifest: ManifestSummary): Record<string, unknown> {
  return {
    registryId: identity.accountId,
    repositoryName: repository,
    imageDigest: manifest.digest,
    ...(manifest.tags.length > 0 ? { imageTags: manifest.tags } : {}),
    imageSizeInBytes: manifest.imageSize,
    imagePushedAt: epochSeconds(manifest.pushedAt),
    imageManifestMediaType: manifest.mediaType,
    ...(manifest.configMediaType === undefined ? {} : { artifactMediaType: manifest.configMediaType }),
    ...(manifest.subject === undefined ? {} : { subjectManifestDigest: manifest.subject }),
  };
}
