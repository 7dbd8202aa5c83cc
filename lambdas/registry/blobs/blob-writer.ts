import { objectKeys } from '../../store/keys.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { MetadataStore } from '../../store/metadata-store.js';
import type { BlobLink } from '../../store/records.js';

/**
 * Makes verified bytes visible as a blob in a repository. Every digest is
 * stored once: when the blob record already exists, only the link is written.
 */
export class BlobWriter {
  constructor(
    private readonly store: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly now: () => Date,
  ) {}

  /** Stores bytes whose digest the caller has verified, and links them into the repository. */
  async writeVerified(repository: string, digest: string, bytes: Uint8Array): Promise<BlobLink> {
    const existing = await this.store.getBlob(digest);
    if (existing) return this.link(repository, { digest, size: existing.size, objectKey: existing.objectKey });
    const objectKey = objectKeys.blob(digest);
    await this.blobs.put(objectKey, bytes);
    // A concurrent writer of the same digest wrote the same bytes to the same key; either record will do.
    await this.store.putBlob({ digest, size: bytes.length, objectKey, createdAt: this.now().toISOString() });
    return this.link(repository, { digest, size: bytes.length, objectKey });
  }

  /**
   * Records an object that an upload left holding verified bytes, marked
   * pending. When another upload of the same digest won, this object is removed.
   */
  async adoptVerifiedObject(repository: string, digest: string, size: number, objectKey: string): Promise<BlobLink> {
    // Unmarked before it is adopted: adopted first, a crash in between would leave a blob the
    // lifecycle rule deletes; this way it leaves at worst an unreferenced object.
    await this.blobs.unmarkPending(objectKey);
    const created = await this.store.putBlob({ digest, size, objectKey, createdAt: this.now().toISOString() });
    if (created) return this.link(repository, { digest, size, objectKey });
    await this.blobs.delete(objectKey);
    const winner = (await this.store.getBlob(digest))!;
    return this.link(repository, { digest, size: winner.size, objectKey: winner.objectKey });
  }

  async link(repository: string, link: BlobLink): Promise<BlobLink> {
    await this.store.linkBlob(repository, link);
    return link;
  }
}
