import { ImageDeletions } from '../../registry/manifests/image-deletions.js';
import { ManifestReferencedError } from '../../store/errors.js';
import type { MetadataStore } from '../../store/metadata-store.js';
import type { Action } from '../context.js';
import { repositoryNameOf } from '../identifiers.js';
import {
  findImage, imageFailure, imageIdsOf, imageNotFoundFailure, invalidImageId, isImageFailure, uniqueImageIds,
  type ImageFailure, type ImageId,
} from '../images.js';
import { constraintError, optionalList } from '../validation.js';
import { requireRepository } from './repositories.js';

/** BatchGetImage and BatchDeleteImage: per-image results, with ECR's failure codes for the ids that fail. */

/**
 * BatchGetImage: each image's manifest, byte-exact as pushed. acceptedMediaTypes is
 * checked but converts nothing: as ECR does with an image it cannot convert, the stored
 * manifest is returned and imageManifestMediaType says what it is.
 */
export const batchGetImage: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const imageIds = imageIdsOf(input, true);
  for (const type of optionalList(input, 'acceptedMediaTypes', { min: 1, max: 100 }) ?? []) {
    if (typeof type !== 'string') throw constraintError('acceptedMediaTypes', type, 'Member must be a string');
  }
  await requireRepository(services, name);

  const results = await Promise.all(uniqueImageIds(imageIds).map(async (id) => {
    const found = await findImage(services.store, name, id);
    if (isImageFailure(found)) return found;
    const body = found.body ?? await services.blobs.get(found.objectKey!);
    return {
      registryId: services.identity.accountId,
      repositoryName: name,
      imageId: { imageDigest: found.digest, ...(id.imageTag === undefined ? {} : { imageTag: id.imageTag }) },
      imageManifest: body.toString('utf8'),
      imageManifestMediaType: found.mediaType,
    };
  }));
  return {
    images: results.filter((result) => !isImageFailure(result)),
    failures: results.filter(isImageFailure),
  };
};

/**
 * BatchDeleteImage, as ECR documents it: by digest, the image goes with all its tags
 * (one entry per tag in imageIds); by tag, only the tag goes, and the image with it
 * when that was its last tag. An id with both is a tag that must point at that digest.
 */
export const batchDeleteImage: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const imageIds = imageIdsOf(input, true);
  await requireRepository(services, name);

  const deletions = new ImageDeletions(services.store, services.events);
  const deleted: ImageId[] = [];
  const failures: ImageFailure[] = [];
  // In order: a later id sees what an earlier one deleted.
  for (const id of uniqueImageIds(imageIds)) {
    const invalid = invalidImageId(id);
    if (invalid) {
      failures.push(invalid);
    } else if (id.imageTag === undefined) {
      const tags = await deleteUnlisted(deletions, name, id.imageDigest!);
      if (tags === 'listed') failures.push(imageFailure(id, 'ImageReferencedByManifestList', 'Requested image referenced by manifest list'));
      else if (!tags) failures.push(imageNotFoundFailure(id));
      else if (tags.length === 0) deleted.push({ imageDigest: id.imageDigest! });
      else deleted.push(...tags.map((imageTag) => ({ imageDigest: id.imageDigest!, imageTag })));
    } else {
      const failure = await tagMismatch(services.store, name, id);
      const digest = failure ? undefined : await deletions.deleteTag(name, id.imageTag, { deleteUntaggedManifest: true });
      if (failure) failures.push(failure);
      else if (digest === undefined) failures.push(imageNotFoundFailure(id));
      else deleted.push({ imageDigest: digest, imageTag: id.imageTag });
    }
  }
  return { imageIds: deleted, failures };
};

/** Deletes the manifest unless an index lists it, which ECR reports as a failure of that id. */
async function deleteUnlisted(deletions: ImageDeletions, repository: string, digest: string): Promise<string[] | undefined | 'listed'> {
  try {
    return await deletions.deleteImage(repository, digest, 'user');
  } catch (error) {
    if (error instanceof ManifestReferencedError) return 'listed';
    throw error;
  }
}

/** For an id with tag and digest: the failure when the tag is missing or points elsewhere. */
async function tagMismatch(store: MetadataStore, repository: string, id: ImageId): Promise<ImageFailure | undefined> {
  if (id.imageDigest === undefined) return undefined;
  const found = await findImage(store, repository, id);
  return isImageFailure(found) ? found : undefined;
}
