import type S3rver from 's3rver';
import type { S3rverContext, S3rverStore } from 's3rver';
import S3Error from 's3rver/lib/models/error.js';
import { objectOf } from './s3rver-requests.js';

/**
 * A GET or HEAD of a missing key, answered as S3 answers a caller without s3:ListBucket on the
 * bucket: 403 AccessDenied, not 404. Berth's roles never hold ListBucket (lib/permissions.ts), so
 * this is what the registry meets on AWS, and local mode must not hide it.
 */

/** Queries that make a GET or HEAD something other than GetObject or HeadObject. */
const SUBRESOURCES = ['acl', 'attributes', 'legal-hold', 'retention', 'tagging', 'torrent', 'uploadId'];

function missingKeysMiddleware(store: S3rverStore) {
  return async (ctx: S3rverContext, next: () => Promise<void>): Promise<void> => {
    const target = ctx.method === 'GET' || ctx.method === 'HEAD' ? objectOf(ctx) : undefined;
    if (target && !SUBRESOURCES.some((name) => name in ctx.query) && !(await store.existsObject(target.bucket, target.key))) {
      throw new S3Error('AccessDenied', 'Access Denied');
    }
    await next();
  };
}

/** Extends `server` before it starts listening. */
export function answerMissingKeysWithoutListBucket(server: S3rver): void {
  server.middleware.unshift(missingKeysMiddleware(server.store));
}
