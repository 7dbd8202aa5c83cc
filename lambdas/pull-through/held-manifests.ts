import type { BlobStore } from '../store/blob-store.js';
import type { CacheRuleStore } from '../store/cache-rule-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import { objectKeys } from '../store/keys.js';
import type { ResolvedManifest } from '../registry/manifests/manifest-service.js';

/** Manifests up to this size are held inside their DynamoDB item, larger ones in S3 (as stored manifests are). */
const INLINE_HELD_BYTES = 300 * 1024;

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/**
 * Manifests fetched from an upstream, held byte for byte until their image is
 * stored whole in the repository: the first pull is served from them while
 * the layers are still being stored, and so is a pull while the upstream is down.
 */
export class HeldManifests {
  constructor(
    private readonly rules: CacheRuleStore,
    private readonly blobs: BlobStore,
    private readonly store: Pick<MetadataStore, 'reserveManifestObject'>,
  ) {}

  async hold(repository: string, manifest: FetchedManifest): Promise<void> {
    const { digest, mediaType, bytes } = manifest;
    if (bytes.length <= INLINE_HELD_BYTES) {
      await this.rules.putUpstreamManifest(repository, { digest, mediaType, size: bytes.length, body: bytes });
      return;
    }
    const objectKey = objectKeys.manifest(digest);
    // As a push of it does: reserved first, so that a garbage collection of the object finishes before the bytes are written.
    await this.store.reserveManifestObject(digest);
    await this.blobs.put(objectKey, bytes);
    await this.rules.putUpstreamManifest(repository, { digest, mediaType, size: bytes.length, objectKey });
  }

  async get(repository: string, digest: string): Promise<FetchedManifest | undefined> {
    const resolved = await this.resolve(repository, digest);
    return resolved && { digest, mediaType: resolved.mediaType, bytes: await resolved.body() };
  }

  async resolve(repository: string, digest: string): Promise<ResolvedManifest | undefined> {
    const record = await this.rules.getUpstreamManifest(repository, digest);
    if (!record) return undefined;
    const { body, objectKey } = record;
    return {
      digest: record.digest,
      mediaType: record.mediaType,
      size: record.size,
      body: async () => (body ? Buffer.from(body) : this.blobs.get(objectKey!)),
    };
  }

  /** Once the image is in the repository; the S3 copy of a large one is the stored manifest's object, and stays. */
  async release(repository: string, digest: string): Promise<void> {
    await this.rules.deleteUpstreamManifest(repository, digest);
  }
}
