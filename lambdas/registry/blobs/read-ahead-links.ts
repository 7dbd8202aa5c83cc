import { ExpiringLru } from '../../shared/expiring-lru.js';
import type { MetadataStore } from '../../store/metadata-store.js';
import type { BlobLink } from '../../store/records.js';
import { parseManifest } from '../manifest.js';

/** Links an instance keeps at most: a few hundred images' worth, some hundreds of bytes each. */
const MAX_LINKS = 10_000;

/**
 * The blob links of an image, read in one batch when a client GETs its manifest and kept briefly
 * for the blob GETs of the pull that follows, so that a pull reads DynamoDB three times (tag,
 * manifest, links) rather than once more per blob. Each blob GET is still authorized as before;
 * only its read of the link is spared.
 *
 * Only blob GETs use them. A blob HEAD, which a push relies on to skip an upload, reads the store,
 * as the garbage collector's argument requires (lambdas/gc/garbage-collector.ts); the batch read
 * touches the links as any read does, and the manifest that lists them keeps them from collection.
 * A blob DELETE forgets its link in the instance that took it. Other instances, and a repository
 * deleted through the management API, catch up within `seconds` (BERTH_READ_AHEAD_SECONDS), during
 * which a blob GET may still redirect to the bytes. Local mode, one process, forgets all it read
 * ahead after each change it makes.
 */
export class ReadAheadLinks {
  private readonly links: ExpiringLru<BlobLink>;

  constructor(
    private readonly store: Pick<MetadataStore, 'getBlobLinks'>,
    private readonly seconds: number,
    now: () => number = Date.now,
    /** Local mode tells of each change it makes, after which nothing read before is kept. */
    changes?: (forget: () => void) => void,
  ) {
    this.links = new ExpiringLru(MAX_LINKS, seconds * 1000, now);
    changes?.(() => this.links.clear());
  }

  /**
   * Reads and keeps the links of the blobs a manifest lists. A manifest it cannot parse (an index
   * lists no blobs; a pull-through cache may hold older formats) or a failed read keeps nothing:
   * its blob GETs then read their own links.
   */
  async readAhead(repository: string, mediaType: string, body: Buffer): Promise<void> {
    if (this.seconds <= 0) return;
    let digests: string[];
    try {
      digests = parseManifest(body, mediaType).blobs.map((blob) => blob.digest);
    } catch {
      return;
    }
    if (digests.length === 0) return;
    const epoch = this.links.epoch;
    let found: Map<string, BlobLink>;
    try {
      found = await this.store.getBlobLinks(repository, digests);
    } catch {
      return;
    }
    // A change told of during the read may have been about these links.
    if (epoch !== this.links.epoch) return;
    for (const [digest, link] of found) this.links.set(keyOf(repository, digest), link);
  }

  /** The link read ahead, while it is kept. */
  recall(repository: string, digest: string): BlobLink | undefined {
    return this.links.peek(keyOf(repository, digest));
  }

  forget(repository: string, digest: string): void {
    this.links.delete(keyOf(repository, digest));
  }
}

function keyOf(repository: string, digest: string): string {
  return `${repository}@${digest}`;
}
