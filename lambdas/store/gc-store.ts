import type { GcQueueKind } from './keys.js';
import type { Page } from './records.js';

/** What the garbage collector reads and writes, beside the metadata store (lambdas/gc/garbage-collector.ts). */

/** A record or link as the collector read it; `touchedAt` undefined for one written before touches were kept. */
export interface Touched {
  touchedAt: number | undefined;
  /** When it was last used, for the grace period: `touchedAt`, or its creation, or never (0). */
  lastUsed: number;
}

export type GcLinkState = Touched & { digest: string; size: number };
export type GcBlobState = Touched & { digest: string; size: number; objectKey: string };

/**
 * An entry of the collector's queue: a blob whose last link may have gone, a manifest object
 * whose last record may have gone, or an object to delete (`digest` unset) or to delete unless
 * the blob record of `digest` adopted it (an upload's object).
 */
export interface QueuedEntry {
  kind: GcQueueKind;
  /** The blob or manifest digest, or the object key. */
  id: string;
  digest?: string;
  queuedAt: number | undefined;
  /** A manifest object's entry while a collector deletes the object: its token, and since when. */
  deleting?: { token: string; since: number };
}

/** Where a pass resumes: in the catalog after a repository, or in a queue shard after an entry. */
export type GcCursor = { phase: 'repositories'; after?: string } | { phase: 'queue'; shard: number; after?: string };

export interface GcStore {
  /** A page of the repository's blob links, in digest order after `after`. */
  linksOf(repository: string, after: string | undefined, limit: number): Promise<Page<GcLinkState>>;
  /**
   * Removes the link if nobody touched it since it was read, bumping the repository's version
   * and queueing the blob, in one transaction. False when it was touched or is gone.
   */
  unlinkUntouched(repository: string, link: GcLinkState): Promise<boolean>;

  queuePage(shard: number, after: string | undefined, limit: number): Promise<Page<QueuedEntry & { sk: string }>>;
  /** Drops the entry if nobody queued it again since it was read. */
  dropQueued(entry: QueuedEntry): Promise<boolean>;

  /** The blob record as it stands (not touched by this read), or undefined. */
  blob(digest: string): Promise<GcBlobState | undefined>;
  /** Repositories linking the blob, at most `limit`. */
  holders(digest: string, limit: number): Promise<string[]>;
  /**
   * Deletes the blob record if nobody touched it since it was read, uncounts its bytes, drops its
   * queue entry and queues its object for deletion, in one transaction. False when it was touched or is gone.
   */
  collectBlob(blob: GcBlobState): Promise<boolean>;

  /** Whether any repository's manifest record keeps its bytes in the manifest object of `digest`. */
  manifestObjectHeld(digest: string): Promise<boolean>;
  /**
   * Marks the manifest object's entry `deleting` with `token`, if it is as read: not queued again
   * (no push reserved the object since), or marked by a collector that stalled. Pushes of the
   * manifest wait while the mark stands (MetadataStore.reserveManifestObject).
   */
  claimManifestObject(entry: QueuedEntry, token: string): Promise<boolean>;
  /** Drops the entry of a manifest object just deleted, if the mark is still `token`. */
  manifestObjectDeleted(digest: string, token: string): Promise<void>;

  /** Drops the queue entry of an object just deleted. */
  objectDeleted(objectKey: string): Promise<void>;
  cursor(): Promise<GcCursor | undefined>;
  /** Saves where the next run resumes; undefined starts the next run with a new pass. */
  saveCursor(cursor: GcCursor | undefined): Promise<void>;

  /** Bytes of all blob records. */
  storedBytes(): Promise<number>;
}
