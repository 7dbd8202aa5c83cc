import type { Action } from '../context.js';
import { EcrError } from '../errors.js';
import { repositoryNameOf } from '../identifiers.js';
import { ECR_DIGEST } from '../images.js';
import { constraintError, requiredList, requiredString } from '../validation.js';
import { requireRepository } from './repositories.js';

/** BatchCheckLayerAvailability and GetDownloadUrlForLayer: a repository's blobs, as ECR calls its layers. */

/**
 * Which of the layers (any blob: config or layer) the repository holds. A layer it does
 * not hold is a MissingLayerDigest failure, as ECR reports it; a held one is AVAILABLE
 * (Berth links a blob to a repository only once its bytes are in S3, so never UNAVAILABLE).
 * Berth does not keep layer media types, so `mediaType` is left out.
 */
export const batchCheckLayerAvailability: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const digests = requiredList(input, 'layerDigests', { min: 1, max: 100 }).map((digest) => {
    if (typeof digest !== 'string') throw new EcrError('SerializationException', 'layerDigests must be a list of strings');
    if (digest.length > 1000) throw constraintError('layerDigests', digest, 'Member must have length less than or equal to 1000');
    return digest;
  });
  await requireRepository(services, name);

  const unique = [...new Set(digests)];
  const links = await services.store.getBlobLinks(name, unique.filter((digest) => ECR_DIGEST.test(digest)));
  const layers: Record<string, unknown>[] = [];
  const failures: Record<string, unknown>[] = [];
  for (const layerDigest of unique) {
    const link = links.get(layerDigest);
    if (!ECR_DIGEST.test(layerDigest)) failures.push({ layerDigest, failureCode: 'InvalidLayerDigest', failureReason: 'Invalid layer digest' });
    else if (!link) failures.push({ layerDigest, failureCode: 'MissingLayerDigest', failureReason: 'Could not find layer' });
    else layers.push({ layerDigest, layerAvailability: 'AVAILABLE', layerSize: link.size });
  }
  return { layers, failures };
};

/** A presigned S3 GET for a blob the repository holds; it lives services.downloadUrlSeconds. */
export const getDownloadUrlForLayer: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const layerDigest = requiredString(input, 'layerDigest', { pattern: ECR_DIGEST });
  await requireRepository(services, name);
  const link = await services.store.getBlobLink(name, layerDigest);
  if (!link) {
    throw new EcrError('LayersNotFoundException', `The layer with digest '${layerDigest}' does not exist within the repository with name '${name}' in the registry with id '${services.identity.accountId}'`);
  }
  return { downloadUrl: await services.blobs.presignGet(link.objectKey, services.downloadUrlSeconds), layerDigest };
};
