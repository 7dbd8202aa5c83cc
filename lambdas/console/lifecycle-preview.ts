import { lifecycleImages } from '../jobs/lifecycle-job.js';
import { imagesToExpire, type LifecycleImage } from '../lifecycle/evaluate.js';
import { parseLifecyclePolicy } from '../lifecycle/policy.js';
import type { MetadataStore } from '../store/metadata-store.js';

/**
 * The images a lifecycle policy would expire if the scheduled job ran now: the
 * job's own listing and evaluation, without the deletes. The policy is one the
 * API accepted (the saved one), so it parses.
 */
export async function previewLifecycle(store: MetadataStore, repositoryName: string, policyText: string, now: Date): Promise<LifecycleImage[]> {
  const images = await lifecycleImages(store, repositoryName);
  const expiring = new Set(imagesToExpire(parseLifecyclePolicy(policyText), images, now));
  return images.filter((image) => expiring.has(image.digest));
}
