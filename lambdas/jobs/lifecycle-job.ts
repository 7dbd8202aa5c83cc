import { silentEvents, type RegistryEvents } from '../events/registry-events.js';
import { imagesToExpire, type LifecycleImage } from '../lifecycle/evaluate.js';
import { parseLifecyclePolicy } from '../lifecycle/policy.js';
import { ManifestReferencedError } from '../store/errors.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { ManifestSummary } from '../store/records.js';
import { ImageDeletions } from '../registry/manifests/image-deletions.js';
import { INDEX_MEDIA_TYPES } from '../registry/media-types.js';

const PAGE = 1000;

export interface LifecycleRunReport {
  repositories: number;
  expired: { repository: string; digest: string }[];
  /** Repositories whose run failed, with why; the others went on. */
  failures: { repository: string; reason: string }[];
}

/**
 * Applies every repository's lifecycle policy once: lists its images, decides
 * which expire, and deletes them (manifest, tags and referrer entries). An
 * image an index or an artifact still needs is kept until that goes; the store
 * refuses to delete a child of an index even when the index was pushed after the listing.
 */
export async function runLifecyclePolicies(
  store: MetadataStore, now: Date, log: (message: string) => void = () => undefined, events: RegistryEvents = silentEvents(),
): Promise<LifecycleRunReport> {
  const deletions = new ImageDeletions(store, events);
  const report: LifecycleRunReport = { repositories: 0, expired: [], failures: [] };
  let after: string | undefined;
  do {
    const page = await store.listRepositories(after, PAGE);
    for (const name of page.items) {
      report.repositories += 1;
      try {
        const digests = await expireRepository(store, deletions, name, now);
        report.expired.push(...digests.map((digest) => ({ repository: name, digest })));
      } catch (error) {
        report.failures.push({ repository: name, reason: String(error) });
        log(`lifecycle policy of ${name} failed: ${String(error)}`);
      }
    }
    after = page.more ? page.items.at(-1) : undefined;
  } while (after !== undefined);
  return report;
}

async function expireRepository(store: MetadataStore, deletions: ImageDeletions, name: string, now: Date): Promise<string[]> {
  const record = await store.getRepository(name);
  if (!record?.lifecyclePolicyText) return [];
  const policy = parseLifecyclePolicy(record.lifecyclePolicyText);
  const images = await lifecycleImages(store, name);
  const expired: string[] = [];
  for (const digest of imagesToExpire(policy, images, now)) {
    if (await expire(deletions, name, digest)) expired.push(digest);
  }
  await store.updateRepository(name, (current) => ({ ...current, lifecycleEvaluatedAt: now.toISOString() }));
  return expired;
}

/** Deletes an expired image; false when an index pushed since the listing lists it, which keeps it. */
async function expire(deletions: ImageDeletions, name: string, digest: string): Promise<boolean> {
  try {
    await deletions.deleteImage(name, digest, 'lifecycle');
    return true;
  } catch (error) {
    if (error instanceof ManifestReferencedError) return false;
    throw error;
  }
}

/** A repository's images as lifecycle rules see them; StartLifecyclePolicyPreview evaluates the same. */
export async function lifecycleImages(store: MetadataStore, name: string): Promise<LifecycleImage[]> {
  return withProtection(store, name, await allManifests(store, name));
}

async function allManifests(store: MetadataStore, name: string): Promise<ManifestSummary[]> {
  const manifests: ManifestSummary[] = [];
  let after: string | undefined;
  do {
    const page = await store.listManifests(name, after, PAGE);
    manifests.push(...page.items);
    after = page.more ? page.items.at(-1)?.digest : undefined;
  } while (after !== undefined);
  return manifests;
}

/** Marks the children of indexes and the artifacts of subjects that are in the repository. */
async function withProtection(store: MetadataStore, name: string, manifests: ManifestSummary[]): Promise<LifecycleImage[]> {
  const present = new Set(manifests.map((manifest) => manifest.digest));
  const indexes = manifests.filter((manifest) => INDEX_MEDIA_TYPES.includes(manifest.mediaType)).map((manifest) => manifest.digest);
  const children = new Set([...(await store.getManifests(name, indexes)).values()].flatMap((index) => index.children));
  return manifests.map((manifest) => ({
    digest: manifest.digest,
    tags: manifest.tags,
    pushedAt: new Date(manifest.pushedAt),
    protected: children.has(manifest.digest) || (manifest.subject !== undefined && present.has(manifest.subject)),
  }));
}
