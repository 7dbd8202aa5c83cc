import { randomUUID } from 'node:crypto';
import type { BlobStore } from '../store/blob-store.js';
import { COLLECTION_STALLED_MS } from '../store/gc-touch.js';
import type { GcBlobState, GcCursor, GcStore, QueuedEntry } from '../store/gc-store.js';
import { GC_SHARDS, objectKeys } from '../store/keys.js';
import type { MetadataStore } from '../store/metadata-store.js';
import { referencedBlobs } from './referenced-blobs.js';

/**
 * Online garbage collection: deletes what no image needs any more, while people push, with no lock.
 *
 * A pass has two phases, each paged and resumable from a cursor:
 * 1. Repositories, in catalog order: the blob links that no manifest of the repository references
 *    and that nobody touched for the grace period are removed (abandoned pushes, deleted images).
 *    Each removal queues its blob.
 * 2. The queue (GCQUEUE#<shard>), written in the same transactions as what makes something garbage:
 *    blobs whose last link may have gone (unlinks here, blob deletes, repository deletes), manifest
 *    objects whose last record may have gone, and objects to delete. Nothing scans S3.
 *
 * Why a push never loses a blob. Records and links carry `touchedAt`; every link write sets it, and
 * every read a push acts on (the blob record before linking it, a link for a HEAD or a manifest's
 * check) refreshes it when older than TOUCH_REFRESH_MS, or reports the item gone if the collector
 * deleted it first (lambdas/store/gc-touch.ts). The collector deletes a link or a record only with
 * a condition that `touchedAt` is still what it read, older than the grace period. So:
 * - A link: a manifest that references it commits only while it exists (the link's removal bumps
 *   the repository's version, which every manifest write is conditional on). A push that read the
 *   link touched it then; for the collector's condition to pass, that read must lie more than the
 *   grace period less TOUCH_REFRESH_MS in the past, far longer than any request takes. A manifest
 *   that committed before the removal read the link within the same request, so the listing of
 *   manifests (read before the links) either has it or the link is too recently touched to remove.
 * - A blob record: it is deleted only when no reverse link exists, on the condition that it is
 *   untouched; a link transaction touches the record (and requires it to exist), so a link that
 *   commits before the delete fails the delete's condition, and one after fails its own
 *   (BlobCollectedError), which only a push that held the record longer than the grace period sees.
 * - The object goes only after its record, and a record's object key is never used again: uploads
 *   write keys of their own (blobs/uploads/<id>), so a new upload of the same digest cannot be
 *   deleted with an old record's object. Records written when small blobs were stored at
 *   blobs/<digest> keep that key until collected; BlobWriter writes no such key any more.
 * - A manifest object (manifests/<digest>, shared by every repository holding that manifest) goes
 *   when its queue entry is older than the grace period and no manifest record holds it. The
 *   collector first marks the entry `deleting`, on the condition that it is unchanged; a push
 *   reserves the entry (fresh `queuedAt`) before it writes the bytes, on the condition that no
 *   mark stands, and waits while one does (MetadataStore.reserveManifestObject). So a push either
 *   reserved first, and the mark fails, or writes its bytes after the object was deleted. Only a
 *   collector that stalls COLLECTION_STALLED_MS between its mark and its delete can lose bytes.
 *
 * Two collectors may run at once (the schedule and `berth gc`): every write is conditional, and
 * the loser of a race finds the work done.
 */

export interface GcReport {
  /** Blob records deleted with their objects, and their bytes. */
  blobs: number;
  /** Bytes of blobs, manifest objects and orphaned objects deleted. */
  bytes: number;
  /** Blob links removed: no manifest of their repository referenced them. */
  links: number;
  /** Manifest objects deleted: no manifest record held them. */
  manifests: number;
  /** Objects of abandoned uploads, and deletions an interrupted pass left, finished. */
  objects: number;
  /** Repositories whose links were left alone this time, with why. */
  failures: { repository: string; reason: string }[];
}

export interface GcRunOptions {
  /** Count what a pass would delete, and delete nothing. */
  dryRun?: boolean;
  /** Where to resume; a new pass when absent. */
  cursor?: GcCursor;
  /** Epoch milliseconds after which no new work starts; the outcome's cursor says where to resume. */
  deadline?: number;
}

export interface GcOutcome {
  report: GcReport;
  /** Where the pass stopped at the deadline; undefined when it finished. */
  cursor?: GcCursor;
}

export interface GcParts {
  store: MetadataStore;
  gc: GcStore;
  blobs: BlobStore;
  /** See ./settings.ts. */
  graceSeconds: number;
  now: () => Date;
  log?: (message: string) => void;
}

const CATALOG_PAGE = 100;
const LINK_PAGE = 500;
const QUEUE_PAGE = 100;
/** Repositories that hold a blob a preview checks, beyond which it counts the blob as kept. */
const PREVIEW_HOLDERS = 100;

export class GarbageCollector {
  constructor(private readonly parts: GcParts) {}

  run(options: GcRunOptions = {}): Promise<GcOutcome> {
    return new Pass(this.parts, options).run();
  }

  /** Bytes of all blob records, for the BytesStored metric. */
  storedBytes(): Promise<number> {
    return this.parts.gc.storedBytes();
  }

  /** Where the scheduled pass resumes, if a run stopped before its end. */
  savedCursor(): Promise<GcCursor | undefined> {
    return this.parts.gc.cursor();
  }

  saveCursor(cursor: GcCursor | undefined): Promise<void> {
    return this.parts.gc.saveCursor(cursor);
  }
}

/** One run of a pass, up to its deadline. */
class Pass {
  private readonly report: GcReport = { blobs: 0, bytes: 0, links: 0, manifests: 0, objects: 0, failures: [] };
  /** Before this (epoch ms), unused means garbage. */
  private readonly cutoff: number;
  private readonly dryRun: boolean;
  /** A preview's links it would remove, by blob digest: the repositories they are in. */
  private readonly planned = new Map<string, Set<string>>();
  /** Blobs a preview counted already. */
  private readonly counted = new Set<string>();
  /** Whether this run did a unit of work: each run does one at least, so that passes always advance. */
  private worked = false;

  constructor(private readonly parts: GcParts, private readonly options: GcRunOptions) {
    this.cutoff = parts.now().getTime() - parts.graceSeconds * 1000;
    this.dryRun = options.dryRun ?? false;
  }

  async run(): Promise<GcOutcome> {
    const start = this.options.cursor ?? { phase: 'repositories' };
    if (start.phase === 'repositories') {
      const stopped = await this.repositories(start.after);
      if (stopped) return this.stop(stopped);
    }
    const stopped = await this.queue(start.phase === 'queue' ? start : { phase: 'queue', shard: 0 });
    return this.stop(stopped);
  }

  private async stop(cursor: GcCursor | undefined): Promise<GcOutcome> {
    if (this.dryRun) await this.countPlannedBlobs();
    return { report: this.report, ...(cursor ? { cursor } : {}) };
  }

  private outOfTime(): boolean {
    return this.worked && this.options.deadline !== undefined && Date.now() >= this.options.deadline;
  }

  /** Sweeps the repositories after `after`; returns where to resume when time ran out. */
  private async repositories(after: string | undefined): Promise<GcCursor | undefined> {
    let last = after;
    do {
      const page = await this.parts.store.listRepositories(last, CATALOG_PAGE);
      for (const name of page.items) {
        if (this.outOfTime()) return { phase: 'repositories', ...(last === undefined ? {} : { after: last }) };
        await this.sweepRepository(name);
        this.worked = true;
        last = name;
      }
      if (!page.more) return undefined;
    } while (true);
  }

  /** Removes the repository's links that no manifest references and nobody touched for the grace period. */
  private async sweepRepository(name: string): Promise<void> {
    let referenced: Set<string>;
    try {
      referenced = await referencedBlobs(this.parts.store, this.parts.blobs, name);
    } catch (error) {
      this.report.failures.push({ repository: name, reason: String(error) });
      this.parts.log?.(`garbage collection left the links of ${name} alone: ${String(error)}`);
      return;
    }
    let after: string | undefined;
    do {
      const page = await this.parts.gc.linksOf(name, after, LINK_PAGE);
      for (const link of page.items) {
        if (referenced.has(link.digest) || link.lastUsed >= this.cutoff) continue;
        if (this.dryRun) {
          this.planned.set(link.digest, (this.planned.get(link.digest) ?? new Set()).add(name));
          this.report.links += 1;
        } else if (await this.parts.gc.unlinkUntouched(name, link)) {
          this.report.links += 1;
        }
      }
      after = page.more ? page.items.at(-1)?.digest : undefined;
    } while (after !== undefined);
  }

  /** Works through the queue's shards from `from`; returns where to resume when time ran out. */
  private async queue(from: Extract<GcCursor, { phase: 'queue' }>): Promise<GcCursor | undefined> {
    for (let shard = from.shard; shard < GC_SHARDS; shard += 1) {
      let after = shard === from.shard ? from.after : undefined;
      do {
        const page = await this.parts.gc.queuePage(shard, after, QUEUE_PAGE);
        for (const entry of page.items) {
          if (this.outOfTime()) return { phase: 'queue', shard, ...(after === undefined ? {} : { after }) };
          await this.process(entry);
          this.worked = true;
          after = entry.sk;
        }
        if (!page.more) break;
      } while (true);
    }
    return undefined;
  }

  private process(entry: QueuedEntry): Promise<void> {
    if (entry.kind === 'BLOB') return this.blob(entry);
    if (entry.kind === 'MANIFEST') return this.manifestObject(entry);
    return this.object(entry);
  }

  /** A blob whose last link may have gone: collected once unlinked and untouched for the grace period. */
  private async blob(entry: QueuedEntry): Promise<void> {
    const { gc } = this.parts;
    const blob = await gc.blob(entry.id);
    if (!blob || (await gc.holders(entry.id, 1)).length > 0) {
      if (!this.dryRun) await gc.dropQueued(entry);
      return;
    }
    // Used within the grace period: a later pass looks again.
    if (blob.lastUsed >= this.cutoff) return;
    if (this.dryRun) {
      this.countBlob(blob);
    } else if (await gc.collectBlob(blob)) {
      await this.deleteObject(blob.objectKey);
      this.report.blobs += 1;
      this.report.bytes += blob.size;
    }
  }

  /**
   * A manifest object whose last record may have gone: deleted once no record holds it, after the
   * grace period, under a mark on its entry that makes pushes of the manifest wait. A mark a
   * stalled collector left is finished here, unless a push took the entry over.
   */
  private async manifestObject(entry: QueuedEntry): Promise<void> {
    const { gc, blobs } = this.parts;
    if (entry.deleting) {
      if (this.dryRun || entry.deleting.since >= this.parts.now().getTime() - COLLECTION_STALLED_MS) return;
    } else {
      if ((entry.queuedAt ?? 0) >= this.cutoff) return;
      if (await gc.manifestObjectHeld(entry.id)) {
        if (!this.dryRun) await gc.dropQueued(entry);
        return;
      }
    }
    const objectKey = objectKeys.manifest(entry.id);
    const size = (await blobs.head(objectKey)) ?? 0;
    if (!this.dryRun) {
      const token = randomUUID();
      if (!(await gc.claimManifestObject(entry, token))) return;
      await blobs.delete(objectKey);
      await gc.manifestObjectDeleted(entry.id, token);
    }
    this.report.manifests += 1;
    this.report.bytes += size;
  }

  /**
   * An object to delete: one a collection decided on and an interrupted pass left, or an upload's
   * object that no blob record adopted within the grace period.
   */
  private async object(entry: QueuedEntry): Promise<void> {
    const { gc, blobs } = this.parts;
    if (entry.digest !== undefined) {
      if ((entry.queuedAt ?? 0) >= this.cutoff) return;
      if ((await gc.blob(entry.digest))?.objectKey === entry.id) {
        if (!this.dryRun) await gc.dropQueued(entry);
        return;
      }
    } else if (this.dryRun) {
      return;
    }
    const size = await blobs.head(entry.id);
    if (!this.dryRun) await this.deleteObject(entry.id);
    if (size === undefined) return;
    this.report.objects += 1;
    this.report.bytes += size;
  }

  /** Deletes an object no record refers to, then its queue entry, which a crash in between leaves for the next pass. */
  private async deleteObject(objectKey: string): Promise<void> {
    await this.parts.blobs.delete(objectKey);
    await this.parts.gc.objectDeleted(objectKey);
  }

  private countBlob(blob: GcBlobState): void {
    if (this.counted.has(blob.digest)) return;
    this.counted.add(blob.digest);
    this.report.blobs += 1;
    this.report.bytes += blob.size;
  }

  /** A preview's blobs whose every link it would remove, and which nobody touched for the grace period. */
  private async countPlannedBlobs(): Promise<void> {
    const { gc } = this.parts;
    for (const [digest, repositories] of this.planned) {
      const holders = await gc.holders(digest, PREVIEW_HOLDERS + 1);
      if (holders.length > PREVIEW_HOLDERS || holders.some((holder) => !repositories.has(holder))) continue;
      const blob = await gc.blob(digest);
      if (blob && blob.lastUsed < this.cutoff) this.countBlob(blob);
    }
  }
}
