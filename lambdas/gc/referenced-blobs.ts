import { parseManifest } from '../registry/manifest.js';
import type { BlobStore } from '../store/blob-store.js';
import type { MetadataStore } from '../store/metadata-store.js';

/** Manifests read at once: inline ones are up to 180 KiB each. */
const PAGE = 100;

/**
 * The digests of every blob (config and layers) that a manifest of the repository references.
 * Manifest records do not keep them (an image may list thousands), so each manifest's bytes are
 * read and parsed. Throws when one cannot be: the repository's links are then left alone.
 */
export async function referencedBlobs(store: MetadataStore, blobs: BlobStore, repository: string): Promise<Set<string>> {
  const referenced = new Set<string>();
  let after: string | undefined;
  do {
    const page = await store.listManifests(repository, after, PAGE);
    const manifests = await store.getManifests(repository, page.items.map((manifest) => manifest.digest));
    for (const manifest of manifests.values()) {
      const bytes = manifest.body ?? (await blobs.get(manifest.objectKey!));
      for (const blob of parseManifest(bytes, manifest.mediaType).blobs) referenced.add(blob.digest);
    }
    after = page.more ? page.items.at(-1)?.digest : undefined;
  } while (after !== undefined);
  return referenced;
}
