import { lifecycleImages } from '../jobs/lifecycle-job.js';
import type { MetadataStore } from '../store/metadata-store.js';
import { expirations } from './evaluate.js';
import type { LifecyclePolicy } from './policy.js';

/** An image a policy would expire now, and the priority of the rule that would. */
export interface ExpiringImage {
  digest: string;
  tags: string[];
  pushedAt: Date;
  rulePriority: number;
}

/**
 * The images a lifecycle policy would expire if the scheduled job ran now: the
 * job's own listing (children of indexes and artifacts of present subjects are
 * kept) and evaluation, without the deletes. In digest order.
 */
export async function expiringImages(store: MetadataStore, repositoryName: string, policy: LifecyclePolicy, now: Date): Promise<ExpiringImage[]> {
  const images = await lifecycleImages(store, repositoryName);
  const byDigest = new Map(images.map((image) => [image.digest, image]));
  return expirations(policy, images, now)
    .map(({ digest, rulePriority }) => ({ digest, tags: byDigest.get(digest)!.tags, pushedAt: byDigest.get(digest)!.pushedAt, rulePriority }))
    .sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}
