import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type S3rver from 's3rver';
import type { S3rverContext, S3rverStore } from 's3rver';
import { TaggingConfiguration } from 's3rver/lib/models/config.js';
import S3Error from 's3rver/lib/models/error.js';
import { abortUpload, uploadDirectory } from './s3rver-multipart.js';
import { isPutObject, objectOf } from './s3rver-requests.js';

/**
 * What s3rver lacks for the pending mark of direct uploads (S3BlobStore) and for the local
 * sweeper that stands in for the bucket's lifecycle rules, added around it:
 *
 * - Tags sent in `x-amz-tagging` on PutObject and CreateMultipartUpload, which s3rver
 *   ignores. As on S3, the new object's tags replace those the key had, and a deleted
 *   object's tags go with it. They are kept where s3rver's own PutObjectTagging keeps
 *   them, so its GetObjectTagging reads them.
 * - DeleteObjectTagging, which s3rver answers NotImplemented.
 * - AbortMultipartUpload (./s3rver-multipart.ts), which s3rver answers MethodNotAllowed, routed here
 *   with the other DELETEs s3rver does not know.
 */

const TAGGING = 'x-amz-tagging';

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** The `x-amz-tagging` a multipart upload was started with; '' when none, or when s3rver will report the upload unknown. */
async function startingTagging(store: S3rverStore, bucket: string, uploadId: unknown): Promise<string> {
  const directory = uploadDirectory(store, bucket, uploadId);
  if (!directory) return '';
  try {
    const headers = JSON.parse(await readFile(join(directory, 'metadata'), 'utf8')) as Record<string, string | undefined>;
    return headers[TAGGING] ?? '';
  } catch (error) {
    if (isMissing(error)) return '';
    throw error;
  }
}

/** The tags of an `x-amz-tagging` value (URL-encoded pairs) as s3rver keeps them; undefined for none. */
function taggingOf(header: string): TaggingConfiguration | undefined {
  const tags = [...new URLSearchParams(header)];
  if (tags.length === 0) return undefined;
  // S3 allows no XML-special characters in tags; here they fail as MalformedXML.
  const tagSet = tags.map(([name, value]) => `<Tag><Key>${name}</Key><Value>${value}</Value></Tag>`).join('');
  return TaggingConfiguration.validate(`<Tagging><TagSet>${tagSet}</TagSet></Tagging>`);
}

/** DeleteObjectTagging. */
async function deleteTagging(store: S3rverStore, bucket: string, key: string): Promise<void> {
  if (!(await store.existsObject(bucket, key))) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
  await store.deleteSubresource(bucket, key, 'tagging');
}

function pendingUploadsMiddleware(store: S3rverStore) {
  return async (ctx: S3rverContext, next: () => Promise<void>): Promise<void> => {
    const target = objectOf(ctx);
    if (!target) return next();
    const { bucket, key } = target;
    if (ctx.method === 'DELETE' && ('tagging' in ctx.query || 'uploadId' in ctx.query)) {
      await ('tagging' in ctx.query ? deleteTagging(store, bucket, key) : abortUpload(store, bucket, ctx.query.uploadId));
      ctx.status = 204;
      return;
    }
    const header = String(ctx.headers[TAGGING] ?? '');
    if (ctx.method === 'POST' && 'uploads' in ctx.query) {
      // Bad tags are refused when the upload starts, as S3 does; s3rver keeps the header till completion.
      taggingOf(header);
      return next();
    }
    const completing = ctx.method === 'POST' && 'uploadId' in ctx.query;
    if (!completing && !isPutObject(ctx)) return next();
    // Read before s3rver completes the upload and removes what it kept of it. A PutObject's tags
    // come from the header alone, as S3BlobStore signs them.
    const tagging = taggingOf(completing ? await startingTagging(store, bucket, ctx.query.uploadId) : header);
    await next();
    if (ctx.status !== 200) return;
    // The new object's tags, and no others.
    await (tagging ? store.putSubresource(bucket, key, tagging) : store.deleteSubresource(bucket, key, 'tagging'));
  };
}

/** Extends `server` before it starts listening. */
export function supportPendingUploads(server: S3rver): void {
  const { store } = server;
  server.middleware.unshift(pendingUploadsMiddleware(store));
  // s3rver leaves the tags of a deleted object, and with them its directory, behind.
  const deleteObject = store.deleteObject.bind(store);
  store.deleteObject = async (bucket, key) => {
    await store.deleteSubresource(bucket, key, 'tagging');
    await deleteObject(bucket, key);
  };
}
