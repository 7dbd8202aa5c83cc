import type { UploadService } from '../lambdas/registry/blobs/upload-service.js';
import type { MetadataStore } from '../lambdas/store/metadata-store.js';

/**
 * Local mode's stand-in for DynamoDB TTL and the bucket's lifecycle rule:
 * deletes expired upload sessions and what they left in S3.
 */
export async function sweepExpiredUploads(store: MetadataStore, uploads: UploadService, now: Date): Promise<number> {
  const expired = await store.expiredUploads(Math.floor(now.getTime() / 1000), 100);
  for (const session of expired) await uploads.discard(session);
  return expired.length;
}
