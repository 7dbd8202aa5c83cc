import type { GarbageCollector, GcReport } from '../lambdas/gc/garbage-collector.js';
import type { DirectUploads } from '../lambdas/management/direct-uploads.js';
import type { UploadService } from '../lambdas/registry/blobs/upload-service.js';
import type { MetadataStore } from '../lambdas/store/metadata-store.js';
import { reportGarbageCollection } from './job-report.js';

/** The upload sessions (/v2/) and direct uploads (berth push) the sweeper expires, with their services. */
export interface SweptUploads {
  store: MetadataStore;
  uploads: UploadService;
  directUploads: DirectUploads;
}

/** How many expired uploads of each kind one sweep takes on. */
const BATCH = 100;

/**
 * Local mode's stand-in for DynamoDB TTL and the bucket's lifecycle rules:
 * deletes expired upload sessions and direct uploads, and what they left in S3.
 */
export async function sweepExpiredUploads(swept: SweptUploads, now: Date): Promise<number> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const expired = await swept.store.expiredUploads(nowSeconds, BATCH);
  for (const session of expired) await swept.uploads.discard(session);
  const expiredDirect = await swept.directUploads.expired(nowSeconds, BATCH);
  for (const record of expiredDirect) await swept.directUploads.discard(record);
  return expired.length + expiredDirect.length;
}

/**
 * Local mode's garbage collection, which the jobs function runs on AWS: a whole pass each round,
 * no time limit, and a line for `npm start`'s log when it reclaimed something.
 */
export async function collectLocalGarbage(collector: GarbageCollector, write: ((line: string) => void) | undefined): Promise<GcReport> {
  const { report } = await collector.run();
  reportGarbageCollection(report, write);
  return report;
}
