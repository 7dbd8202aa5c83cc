import type S3rver from 's3rver';
import type { S3rverContext } from 's3rver';
import S3Error from 's3rver/lib/models/error.js';

/**
 * A presigned request must carry every header its signature covers (X-Amz-SignedHeaders): S3
 * answers SignatureDoesNotMatch otherwise, which is what makes a signed `If-None-Match: *` or
 * `x-amz-checksum-sha256` binding on whoever holds the URL. s3rver checks no V4 signature at all;
 * this checks that the signed headers are present, though not their values.
 */
function presignedHeadersMiddleware() {
  return async (ctx: S3rverContext, next: () => Promise<void>): Promise<void> => {
    const signed = ctx.query['X-Amz-SignedHeaders'];
    if (typeof signed === 'string' && signed.split(';').some((name) => !(name in ctx.headers))) {
      throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    await next();
  };
}

/** Extends `server` before it starts listening. */
export function checkPresignedHeaders(server: S3rver): void {
  server.middleware.unshift(presignedHeadersMiddleware());
}
