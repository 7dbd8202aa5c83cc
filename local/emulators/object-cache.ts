import type { BigIntStats } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';

/** BERTH_S3_CACHE_MIB's default: room for a few images' layers, as a pull and the pushes before it touch them. */
export const DEFAULT_OBJECT_CACHE_MIB = 256;

/** An object as a plain GetObject answers it: the status-200 headers s3rver set, and the body. */
export interface KeptObject {
  headers: OutgoingHttpHeaders;
  bytes: Buffer;
}

/**
 * Recently read objects of local S3, kept in memory up to a number of bytes,
 * the least recently read going first. A pull reads every layer it was just
 * pushed or pulled with. From memory, a download neither waits on a file read
 * nor on the half-dozen small ones s3rver makes for an object's metadata; on
 * machines that drop cold pages of the file cache within seconds (virtual
 * ones especially), each of those is a disk read again.
 *
 * A copy serves only while its file is the one it was read from: same device,
 * inode, size and modification time. s3rver replaces an object's file on
 * every write and removes it on delete, so a rewritten or deleted object is
 * never served from here; a CopyObject that replaces only the metadata is
 * told to forget (./s3rver-object-reads.ts), and so is every read that began
 * before it, which may have read the old metadata.
 */
export class ObjectCache {
  /** Insertion order is recency: a read moves its entry to the end, eviction takes from the start. */
  private readonly entries = new Map<string, { version: string; object: KeptObject }>();
  private size = 0;
  /** Metadata rewrites so far; a read keeps its object only if none came while it ran. */
  private rewrites = 0;

  constructor(private readonly capacity: number) {}

  /** The largest object kept: a quarter of the capacity, so that one large layer cannot push out all the others. */
  get largestObject(): number {
    return Math.floor(this.capacity / 4);
  }

  /** Whether anything is kept for `path`, before the file is looked at. */
  has(path: string): boolean {
    return this.entries.has(path);
  }

  /** The object kept for `path`, if its file is still at `stats`. */
  get(path: string, stats: BigIntStats | undefined): KeptObject | undefined {
    const entry = this.entries.get(path);
    if (!entry) return undefined;
    this.forget(path);
    if (!stats || entry.version !== versionOf(stats)) return undefined;
    this.entries.set(path, entry);
    this.size += entry.object.bytes.length;
    return entry.object;
  }

  /**
   * Taken before a read looks at an object's metadata, and given back to `set`. One count for
   * every object, not one each: a rewrite during any read keeps that read's object out, which
   * costs its next GET a file read at most.
   */
  mark(): number {
    return this.rewrites;
  }

  /** Keeps `object`, the whole of `path` while its file was at `stats` and its metadata as at `mark`, if it fits. */
  set(path: string, stats: BigIntStats, object: KeptObject, mark: number): void {
    if (mark !== this.rewrites || object.bytes.length === 0 || object.bytes.length > this.largestObject) return;
    this.forget(path);
    this.entries.set(path, { version: versionOf(stats), object });
    this.size += object.bytes.length;
    for (const [oldest, entry] of this.entries) {
      if (this.size <= this.capacity) break;
      this.entries.delete(oldest);
      this.size -= entry.object.bytes.length;
    }
  }

  /** s3rver rewrote `path`'s metadata (each PutObject does, and a CopyObject onto itself that changes only it): what is kept of it goes, and no read under way may keep what it read. */
  rewritten(path: string): void {
    this.rewrites++;
    this.forget(path);
  }

  private forget(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    this.entries.delete(path);
    this.size -= entry.object.bytes.length;
  }
}

function versionOf(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}`;
}
