import { repositoryName, type RouteContext, type RouteHandler } from '../context.js';
import { RegistryError } from '../errors.js';
import { isDigestReference, isValidDigest, isValidTag } from '../grammar.js';
import { INDEX_MEDIA_TYPES } from '../media-types.js';
import { IMPORT_ACTION } from '../../pull-through/pull-through-cache.js';
import type { ResolvedManifest } from '../manifests/manifest-service.js';
import { acceptedTypes, isAccepted } from '../manifests/negotiation.js';
import { empty } from './responses.js';

/** A DELETE names what it removes, so a malformed reference is the client's error (400). */
function deleteReference(context: RouteContext): string {
  const reference = context.params.reference!;
  if (isDigestReference(reference)) {
    if (!isValidDigest(reference)) throw new RegistryError('DIGEST_INVALID', `${JSON.stringify(reference)} is not a valid digest`, { digest: reference });
  } else if (!isValidTag(reference)) {
    throw new RegistryError('TAG_INVALID', `${JSON.stringify(reference)} is not a valid tag`, { tag: reference });
  }
  return reference;
}

/**
 * Resolves the reference to a manifest the client accepts. An index pulled by
 * tag that the client cannot read falls back to its linux/amd64 image, as
 * distribution does for clients that predate manifest lists. A pull by digest
 * never does: the client checks the body against the digest it asked for.
 */
async function negotiate(context: RouteContext): Promise<ResolvedManifest> {
  const name = repositoryName(context);
  // In a pull-through cache, what is not stored yet comes from the upstream, for callers allowed to import it.
  const { pullThrough, manifests } = context.services;
  const mayImport = () => context.may(IMPORT_ACTION, name);
  const resolve = (reference: string) => (pullThrough ? pullThrough.resolve(name, reference, mayImport) : manifests.resolve(name, reference));
  const accepted = acceptedTypes(context.request.headers.accept);
  // GET and HEAD read a malformed reference as one not stored: 404 MANIFEST_UNKNOWN, as the spec's conformance suite expects.
  const reference = context.params.reference!;
  const manifest = await resolve(reference);
  if (isAccepted(accepted, manifest.mediaType)) return manifest;
  if (!isDigestReference(reference) && INDEX_MEDIA_TYPES.includes(manifest.mediaType)) {
    const index = JSON.parse((await manifest.body()).toString('utf8')) as { manifests: { digest: string; mediaType: string; platform?: { os?: string; architecture?: string } }[] };
    const child = index.manifests.find((entry) => entry.platform?.os === 'linux' && entry.platform.architecture === 'amd64' && isAccepted(accepted, entry.mediaType));
    if (child) return resolve(child.digest);
  }
  throw new RegistryError('MANIFEST_UNKNOWN', `manifest ${context.params.reference} is of type ${manifest.mediaType}, which the Accept header does not list`, { mediaType: manifest.mediaType });
}

function manifestHeaders(manifest: ResolvedManifest): Record<string, string> {
  return {
    'content-type': manifest.mediaType,
    'content-length': String(manifest.size),
    'docker-content-digest': manifest.digest,
    etag: `"${manifest.digest}"`,
  };
}

/** GET: the manifest, its blobs' links read ahead for the blob GETs of the pull that follows. */
export const getManifest: RouteHandler = async (context) => {
  const manifest = await negotiate(context);
  const body = await manifest.body();
  await context.services.readAhead.readAhead(repositoryName(context), manifest.mediaType, body);
  return { status: 200, headers: manifestHeaders(manifest), body };
};

export const headManifest: RouteHandler = async (context) => {
  const manifest = await negotiate(context);
  return { status: 200, headers: manifestHeaders(manifest) };
};

/** PUT by tag or by digest; a push by digest may add tags with `?tag=`. */
export const putManifest: RouteHandler = async (context) => {
  const name = repositoryName(context);
  const reference = context.params.reference!;
  const tags = context.request.query.getAll('tag');
  await context.services.pullThrough?.refusePush(name);
  const manifest = await context.services.manifests.put(name, reference, context.request.body, context.request.headers['content-type'], tags);
  return {
    ...empty(201, {
      location: `/v2/${name}/manifests/${manifest.digest}`,
      'docker-content-digest': manifest.digest,
      ...(manifest.subject ? { 'oci-subject': manifest.subject.digest } : {}),
    }),
    ...(tags.length > 0 ? { multiHeaders: { 'oci-tag': tags } } : {}),
  };
};

export const deleteManifest: RouteHandler = async (context) => {
  await context.services.manifests.delete(repositoryName(context), deleteReference(context));
  return empty(202);
};
