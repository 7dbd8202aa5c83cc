import type { StoredManifest } from '../../store/records.js';
import type { Action } from '../context.js';
import { EcrError } from '../errors.js';
import { repositoryNameOf } from '../identifiers.js';
import {
  DEFAULT_IMAGE_PAGE, decodeImagePosition, encodeImagePosition, findImage, imageDetailView, imageIdsOf, imageIdsOfManifest,
  imageListFilterOf, imageNotFound, isImageFailure, type ImageId,
} from '../images.js';
import { optionalInteger, optionalString } from '../validation.js';
import { requireRepository } from './repositories.js';

/**
 * ListImages and DescribeImages. Both page the repository's manifest items in digest
 * order; each item carries its tags, so neither reads the tag items.
 */

/**
 * ListImages: one entry per tag ({imageDigest, imageTag}), and a digest-only entry per
 * untagged manifest. A page may end inside a manifest's tags; the token says which tag.
 */
export const listImages: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const maxResults = optionalInteger(input, 'maxResults', 1, 1000) ?? DEFAULT_IMAGE_PAGE;
  const position = decodeImagePosition(optionalString(input, 'nextToken'));
  const filter = imageListFilterOf(input);
  await requireRepository(services, name);
  if (filter.matchesNothing) return { imageIds: [] };

  // Gather one entry more than the page holds, to learn whether another page follows.
  const queue: ImageId[] = [];
  if (position?.tag !== undefined) {
    const manifest = await services.store.getManifest(name, position.digest);
    for (const tag of manifest?.tags ?? []) if (tag > position.tag) queue.push({ imageDigest: position.digest, imageTag: tag });
  }
  let after = position?.digest;
  while (queue.length <= maxResults) {
    // Every manifest listed gives at least one entry.
    const page = await services.store.listManifests(name, after, maxResults + 1 - queue.length, filter.tagStatus);
    for (const manifest of page.items) queue.push(...imageIdsOfManifest(manifest));
    if (!page.more || page.items.length === 0) break;
    after = page.items.at(-1)!.digest;
  }
  const imageIds = queue.slice(0, maxResults);
  const last = imageIds.at(-1);
  return {
    imageIds,
    ...(queue.length > maxResults && last ? { nextToken: encodeImagePosition({ digest: last.imageDigest!, ...(last.imageTag === undefined ? {} : { tag: last.imageTag }) }) } : {}),
  };
};

/**
 * DescribeImages: one ImageDetail per manifest, of the images named by imageIds (each
 * must exist: ImageNotFoundException) or of every image, paged.
 */
export const describeImages: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const imageIds = imageIdsOf(input, false);
  const maxResults = optionalInteger(input, 'maxResults', 1, 1000);
  const nextToken = optionalString(input, 'nextToken');
  const filter = imageListFilterOf(input);
  await requireRepository(services, name);

  if (imageIds !== undefined) {
    if (maxResults !== undefined || nextToken !== undefined) {
      throw new EcrError('InvalidParameterException', 'imageIds cannot be combined with maxResults or nextToken');
    }
    const details = new Map<string, Record<string, unknown>>();
    for (const id of imageIds) {
      const manifest = await describedManifest(services.store, name, id);
      if (!manifest) throw imageNotFound(services.identity, name, id);
      if (!details.has(manifest.digest)) details.set(manifest.digest, imageDetailView(services.identity, name, manifest));
    }
    return { imageDetails: [...details.values()] };
  }

  if (filter.matchesNothing) return { imageDetails: [] };
  const position = decodeImagePosition(nextToken);
  const page = await services.store.listManifests(name, position?.digest, maxResults ?? DEFAULT_IMAGE_PAGE, filter.tagStatus);
  return {
    imageDetails: page.items.map((manifest) => imageDetailView(services.identity, name, manifest)),
    ...(page.more ? { nextToken: encodeImagePosition({ digest: page.items.at(-1)!.digest }) } : {}),
  };
};

/** The manifest an id names; malformed ids are refused as ECR refuses them here, outside a batch. */
async function describedManifest(store: Parameters<typeof findImage>[0], repository: string, id: ImageId): Promise<StoredManifest | undefined> {
  const found = await findImage(store, repository, id);
  if (isImageFailure(found)) {
    if (found.failureCode === 'ImageNotFound' || found.failureCode === 'ImageTagDoesNotMatchDigest') return undefined;
    throw new EcrError('InvalidParameterException', found.failureReason);
  }
  return 'tags' in found ? found : store.getManifest(repository, found.digest);
}
