import type { S3rverContext } from 's3rver';

/** How local S3's extensions tell requests apart, before s3rver's router has parsed them. */

/** The bucket and key a request names; Berth's clients address local S3 path-style (lambdas/aws/s3.ts). */
export function objectOf(ctx: S3rverContext): { bucket: string; key: string } | undefined {
  let segments: string[];
  try {
    segments = ctx.path.slice(1).split('/').map(decodeURIComponent);
  } catch {
    return undefined; // a malformed escape: s3rver answers it as it would
  }
  const [bucket = '', ...key] = segments;
  return bucket && key.join('/') ? { bucket, key: key.join('/') } : undefined;
}

/** A PutObject: not UploadPart, PutObjectTagging or CopyObject, which are PUTs too. */
export function isPutObject(ctx: S3rverContext): boolean {
  return ctx.method === 'PUT' && !('uploadId' in ctx.query) && !('tagging' in ctx.query) && !('x-amz-copy-source' in ctx.headers);
}
