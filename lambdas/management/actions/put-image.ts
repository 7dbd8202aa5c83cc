import { pushRefusal, ruleFor } from '../../pull-through/rules.js';
import { RegistryError } from '../../registry/errors.js';
import { isValidTag, TAG_PATTERN } from '../../registry/grammar.js';
import { MAX_MANIFEST_BYTES, parseManifest, type ParsedManifest } from '../../registry/manifest.js';
import { ImageDeletions } from '../../registry/manifests/image-deletions.js';
import { ManifestReferenceErrors, ManifestService } from '../../registry/manifests/manifest-service.js';
import { immutableTagMessage } from '../../registry/manifests/tag-mutability.js';
import { Repositories } from '../../registry/repositories.js';
import { ImmutableTagError, RepositoryNotFoundError } from '../../store/errors.js';
import type { Action, ManagementServices } from '../context.js';
import { EcrError } from '../errors.js';
import type { RegistryIdentity } from '../identifiers.js';
import { repositoryNameOf } from '../identifiers.js';
import { ECR_DIGEST, IMAGE_TAG } from '../images.js';
import { optionalString, requiredString } from '../validation.js';
import { notFound, requireRepository } from './repositories.js';

/**
 * PutImage: the push of the OCI manifest PUT (ManifestService.push, with its reference
 * checks and tag immutability), answered in ECR's terms. Unlike a push through /v2/, it
 * needs an existing repository and refuses an identical re-push.
 */
export const putImage: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const text = requiredString(input, 'imageManifest', { min: 1, max: MAX_MANIFEST_BYTES });
  const mediaType = optionalString(input, 'imageManifestMediaType');
  const tag = optionalString(input, 'imageTag', IMAGE_TAG);
  const digest = optionalString(input, 'imageDigest');
  if (tag !== undefined && !isValidTag(tag)) throw invalidParameter('imageTag', `Tag must satisfy regular expression '${TAG_PATTERN}'`);
  if (digest !== undefined && !ECR_DIGEST.test(digest)) throw invalidParameter('imageDigest', 'Invalid image digest');
  const repository = await requireRepository(services, name);
  const rule = ruleFor(name, await services.cacheRules.listRules());
  if (rule) throw new EcrError('InvalidParameterException', pushRefusal(name, rule));

  const bytes = Buffer.from(text, 'utf8');
  const manifest = parse(bytes, mediaType);
  if (digest !== undefined && digest !== manifest.digest) {
    throw new EcrError('ImageDigestDoesNotMatchException', `Provided digest '${digest}' does not match the digest of the image manifest, '${manifest.digest}'`);
  }
  if (await alreadyPushed(services, name, manifest.digest, tag)) {
    throw new EcrError('ImageAlreadyExistsException', `Image with digest '${manifest.digest}' and tag '${tag ?? 'null'}' already exists in the repository with name '${name}' in registry with id '${services.identity.accountId}'`);
  }
  try {
    await manifestService(services).push(repository, manifest, bytes, tag === undefined ? [] : [tag]);
  } catch (error) {
    throw pushError(services.identity, name, error);
  }
  return {
    image: {
      registryId: services.identity.accountId,
      repositoryName: name,
      imageId: { imageDigest: manifest.digest, ...(tag === undefined ? {} : { imageTag: tag }) },
      imageManifest: text,
      imageManifestMediaType: manifest.mediaType,
    },
  };
};

function manifestService(services: ManagementServices): ManifestService {
  // PutImage never creates repositories, so create-on-push is off here.
  const repositories = new Repositories(services.store, services.templates, false, services.now, services.events);
  return new ManifestService(services.store, services.blobs, repositories, new ImageDeletions(services.store, services.events), services.events, services.now);
}

function invalidParameter(field: string, reason: string): EcrError {
  return new EcrError('InvalidParameterException', `Invalid parameter at '${field}' failed to satisfy constraint: '${reason}'`);
}

/** The manifest parsed as the registry parses a pushed one; imageManifestMediaType plays the Content-Type. */
function parse(bytes: Buffer, mediaType: string | undefined): ParsedManifest {
  try {
    return parseManifest(bytes, mediaType);
  } catch (error) {
    if (error instanceof RegistryError) throw invalidParameter('ImageManifest', error.message);
    throw error;
  }
}

/** The same manifest under the same tag (or, untagged, at all): nothing would change. */
async function alreadyPushed(services: ManagementServices, repository: string, digest: string, tag: string | undefined): Promise<boolean> {
  if (tag !== undefined) return (await services.store.getTag(repository, tag))?.digest === digest;
  return (await services.store.getManifest(repository, digest)) !== undefined;
}

function pushError(identity: RegistryIdentity, repository: string, error: unknown): unknown {
  const where = `repository with name '${repository}' in the registry with id '${identity.accountId}'`;
  if (error instanceof ImmutableTagError) return new EcrError('ImageTagAlreadyExistsException', immutableTagMessage(error.tag, repository));
  if (error instanceof RepositoryNotFoundError) return notFound(identity, repository);
  if (!(error instanceof ManifestReferenceErrors)) return error;
  const missing = (kind: 'missing-blob' | 'missing-manifest') => error.problems.filter((problem) => problem.kind === kind).map((problem) => problem.digest);
  if (missing('missing-manifest').length > 0) {
    return new EcrError('ReferencedImagesNotFoundException', `Manifests with digests '[${missing('missing-manifest').join(', ')}]' referenced by the image index do not exist within the ${where}`);
  }
  if (missing('missing-blob').length > 0) {
    return new EcrError('LayersNotFoundException', `Layers with digests '[${missing('missing-blob').join(', ')}]' required for pushing image into ${where} do not exist`);
  }
  return invalidParameter('ImageManifest', error.message);
}
