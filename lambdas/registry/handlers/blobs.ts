import { repositoryName, type RouteContext, type RouteHandler } from '../context.js';
import { RegistryError } from '../errors.js';
import { isValidDigest } from '../grammar.js';
import { IMPORT_ACTION } from '../../pull-through/pull-through-cache.js';
import type { HttpResponse } from '../../shared/http/types.js';
import type { BlobLink } from '../../store/records.js';
import { empty } from './responses.js';

function digestParam(context: RouteContext): string {
  const digest = context.params.digest!;
  if (!isValidDigest(digest)) throw new RegistryError('DIGEST_INVALID', `${JSON.stringify(digest)} is not a valid digest`, { digest });
  return digest;
}

/**
 * The repository's link to the blob; in a pull-through cache that does not hold it yet, the
 * upstream's answer instead. A GET may use the link its manifest GET read ahead; a HEAD, which a
 * push relies on, always reads it.
 */
async function requireLink(context: RouteContext, method: 'GET' | 'HEAD'): Promise<BlobLink | HttpResponse> {
  const name = repositoryName(context);
  const digest = digestParam(context);
  const link = (method === 'GET' ? context.services.readAhead.recall(name, digest) : undefined) ?? await context.services.store.getBlobLink(name, digest);
  if (!link) {
    const upstream = await context.services.pullThrough?.blob(name, digest, method, () => context.may(IMPORT_ACTION, name));
    if (upstream) return upstream;
    return context.services.repositories.explainMiss(name, new RegistryError('BLOB_UNKNOWN', `blob ${digest} is not in repository ${name}`, { digest }));
  }
  return link;
}

/** GET: a redirect to a short-lived presigned S3 URL; the bytes never pass through Lambda. */
export const getBlob: RouteHandler = async (context) => {
  const link = await requireLink(context, 'GET');
  if ('status' in link) return link;
  const url = await context.services.blobs.presignGet(link.objectKey, context.services.config.downloadUrlSeconds);
  return empty(307, { location: url, 'docker-content-digest': link.digest });
};

/** HEAD: answered from metadata alone. */
export const headBlob: RouteHandler = async (context) => {
  const link = await requireLink(context, 'HEAD');
  if ('status' in link) return link;
  return {
    status: 200,
    headers: {
      'content-length': String(link.size),
      'content-type': 'application/octet-stream',
      'docker-content-digest': link.digest,
      etag: `"${link.digest}"`,
    },
  };
};

/** DELETE: removes the blob from this repository; other repositories keep it. */
export const deleteBlob: RouteHandler = async (context) => {
  const name = repositoryName(context);
  const digest = digestParam(context);
  const unlinked = await context.services.store.unlinkBlob(name, digest);
  context.services.readAhead.forget(name, digest);
  if (!unlinked) {
    await context.services.repositories.explainMiss(name, new RegistryError('BLOB_UNKNOWN', `blob ${digest} is not in repository ${name}`, { digest }));
  }
  return empty(202);
};
