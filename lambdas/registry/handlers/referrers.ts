import { repositoryName, type RouteHandler } from '../context.js';
import { RegistryError } from '../errors.js';
import { isValidDigest } from '../grammar.js';
import { MEDIA_TYPES } from '../media-types.js';
import { json } from './responses.js';

/** GET /v2/<name>/referrers/<digest>: an image index of the manifests whose subject is the digest. */
export const listReferrers: RouteHandler = async (context) => {
  const name = repositoryName(context);
  const subject = context.params.digest!;
  if (!isValidDigest(subject)) throw new RegistryError('DIGEST_INVALID', `${JSON.stringify(subject)} is not a valid digest`, { digest: subject });
  const artifactType = context.request.query.get('artifactType');
  const descriptors = await context.services.manifests.referrers(name, subject, artifactType ?? undefined);
  // An unknown subject has no referrers: an empty index, never a 404.
  if (descriptors.length === 0) await context.services.repositories.require(name);
  const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: descriptors };
  const response = json(200, index, artifactType === null ? {} : { 'oci-filters-applied': 'artifactType' });
  response.headers['content-type'] = MEDIA_TYPES.ociIndex;
  return response;
};
