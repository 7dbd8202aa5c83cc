import { randomUUID } from 'node:crypto';
import { objectKeys } from '../../store/keys.js';
import type { BlobStore } from '../../store/blob-store.js';
import { BlobCollectedError } from '../../store/gc-errors.js';
import type { MetadataStore } from '../../store/metadata-store.js';
import type { BlobLink } from '../../store/records.js';

/** How often an adoption tries again when the record it would link is collected in between. */
const ADOPT_ATTEMPTS = 3;

/**
 * Makes verified bytes visible as a blob in a repository. Every digest is
 * stored once: when the blob record already exists, only the link is written.
 * Each object gets a key of its own, never used again once its record is
 * garbage-collected, so a collection cannot delete a later upload's bytes.
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
    const objectKey = objectKeys.assembledBlob(randomUUID());
    // Queued first: a crash before the record is written leaves an object the collector deletes.
    await this.store.queueUploadObject(objectKey, digest);
    await this.blobs.put(objectKey, bytes);
    return this.adopt(repository, digest, bytes.length, objectKey);
  }

  /**
   * Records an object that an upload left holding verified bytes, marked
   * pending. When another upload of the same digest won, this object is removed.
   */
  async adoptVerifiedObject(repository: string, digest: string, size: number, objectKey: string): Promise<BlobLink> {
    // Unmarked before it is adopted: adopted first, a crash in between would leave a blob the
    // lifecycle rule deletes; this way it leaves at worst an unreferenced object, which the
    // garbage collector deletes from its queue.
    await this.store.queueUploadObject(objectKey, digest);
    await this.blobs.unmarkPending(objectKey);
    return this.adopt(repository, digest, size, objectKey);
  }

  async link(repository: string, link: BlobLink): Promise<BlobLink> {
    await this.store.linkBlob(repository, link);
    return link;
  }

  /** Makes the object the digest's record, or links the record another upload made and removes the object. */
  private async adopt(repository: string, digest: string, size: number, objectKey: string): Promise<BlobLink> {
    for (let attempt = 1; attempt <= ADOPT_ATTEMPTS; attempt += 1) {
      if (await this.store.putBlob({ digest, size, objectKey, createdAt: this.now().toISOString() })) {
        return this.link(repository, { digest, size, objectKey });
      }
      const winner = await this.store.getBlob(digest);
      if (!winner) continue;
      try {
        // Linked before this object goes: the winner's record may be collected meanwhile, and then this object is the blob.
        const link = await this.link(repository, { digest, size: winner.size, objectKey: winner.objectKey });
        await this.blobs.delete(objectKey);
        return link;
      } catch (error) {
        if (!(error instanceof BlobCollectedError)) throw error;
      }
    }
    throw new BlobCollectedError(digest);
  }
}
