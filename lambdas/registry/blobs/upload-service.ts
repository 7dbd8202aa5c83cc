import { createHash, randomUUID } from 'node:crypto';
import type { BlobStore } from '../../store/blob-store.js';
import { objectKeys } from '../../store/keys.js';
import type { MetadataStore } from '../../store/metadata-store.js';
import type { BlobLink, UploadSession } from '../../store/records.js';
import { RegistryError } from '../errors.js';
import { BlobWriter } from './blob-writer.js';
import { PartBuffers } from './part-buffers.js';
import { initialHashState } from './resumable-sha256.js';
import { concat, hashAll, keepWaiting, PARTS_HELD, receive, sendLastPart, type ByteSource, type Checkpoint, type Received } from './upload-stream.js';
import { receiveWhole, takesWhole, type StreamedBody } from './whole-upload.js';

/** How many holders of a blob a mount without `from` considers before uploading instead. */
const MOUNT_CANDIDATES = 10;
/** S3's smallest multipart part, except the last. Smaller chunks are buffered until they add up. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/**
 * How long one request may hold a session without saving progress. A request
 * that fails releases its lease at once, and a long one renews it with each
 * part; this bounds only a crashed invocation or task, so it exceeds the
 * registry function's timeout and the time to upload one part.
 */
const LEASE_SECONDS = 2 * 60;
/** How often a request streaming one whole object renews its lease. */
const RENEW_EVERY_MS = (LEASE_SECONDS / 4) * 1000;

export interface UploadServiceOptions {
  uploadTtlSeconds: number;
  now: () => Date;
  /** Size of the parts an upload goes to S3 in; at least MIN_PART_BYTES (the default). */
  partBytes?: number;
}

/** An inclusive byte range from a Content-Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A request's body: the bytes, and their length when known before reading (Content-Length). */
export interface UploadBody {
  bytes: ByteSource;
  length?: number;
}

/** What a request holding a session may do with it. */
interface Hold {
  /** Saves progress and keeps holding the session (a long request renews its lease this way). */
  checkpoint: Checkpoint;
  /** Keeps holding the session, unchanged, through a long request that saves no progress. */
  renew: () => Promise<void>;
  /** Saves the session and lets it go. */
  release: (session: UploadSession) => Promise<void>;
}

/**
 * Chunked and monolithic blob uploads. The session lives in the metadata store,
 * so each request may arrive at a different Lambda invocation or gateway task.
 * Bytes stream into S3 parts with the SHA-256 state saved after each part, and
 * nothing becomes visible before the digest the client declares matches the
 * bytes received.
 */
export class UploadService {
  private readonly writer: BlobWriter;
  private readonly partBytes: number;
  private readonly partBuffers: PartBuffers;

  constructor(
    private readonly store: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly options: UploadServiceOptions,
  ) {
    this.writer = new BlobWriter(store, blobs, options.now);
    this.partBytes = options.partBytes ?? MIN_PART_BYTES;
    if (this.partBytes < MIN_PART_BYTES) throw new Error(`upload parts must be at least ${MIN_PART_BYTES} bytes, S3's minimum`);
    this.partBuffers = new PartBuffers(this.partBytes, PARTS_HELD);
  }

  async start(repository: string): Promise<UploadSession> {
    const now = this.options.now();
    const session: UploadSession = {
      id: randomUUID(),
      repository,
      offset: 0,
      hashState: await initialHashState(),
      createdAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + this.options.uploadTtlSeconds,
    };
    await this.store.createUpload(session);
    return session;
  }

  async status(repository: string, id: string): Promise<UploadSession> {
    return this.load(repository, id);
  }

  /** Appends a chunk (PATCH). A range that does not start at the current offset is refused with 416. */
  async append(repository: string, id: string, body: UploadBody, range: ByteRange | undefined): Promise<UploadSession> {
    const session = await this.load(repository, id);
    checkRangeStart(session, range, lengthOf(body));
    if (lengthOf(body) === 0) return session;
    return this.withLease(session, async (hold) => {
      if (takesWhole(session, body, range !== undefined)) {
        const next = await this.receiveAsWhole(session, body, hold);
        await hold.release(next);
        return next;
      }
      const received = await this.receiveParts(session, body, hold);
      const next = await keepWaiting(this.blobs, received);
      await hold.release(next);
      if (received.session.pending && received.session.pending.objectKey !== next.pending?.objectKey) {
        await this.blobs.delete(received.session.pending.objectKey);
      }
      checkRangeLength(next, range, brought(session, received));
      return next;
    });
  }

  /** Completes the upload (PUT ?digest=), with an optional final chunk. */
  async finish(repository: string, id: string, digest: string, body: UploadBody, range: ByteRange | undefined): Promise<BlobLink> {
    const session = await this.load(repository, id);
    if (lengthOf(body) !== 0) checkRangeStart(session, range, lengthOf(body));
    return this.withLease(session, async (hold) => {
      const link = await this.receiveLast(session, digest, body, range, hold);
      await this.store.deleteUpload(session.id);
      return link;
    });
  }

  async cancel(repository: string, id: string): Promise<void> {
    const session = await this.load(repository, id);
    await this.discard(session);
  }

  /** A whole blob in one request (POST ?digest= or a single PUT). */
  async putWhole(repository: string, digest: string, bytes: Buffer): Promise<BlobLink> {
    checkWhole(digest, bytes);
    return this.writer.writeVerified(repository, digest, bytes);
  }

  /**
   * Links a blob another repository holds (cross-repository mount), from
   * `from` or, without it, from any repository holding the blob that
   * `mayRead` allows: a caller never gains a blob it could not pull.
   */
  async mount(repository: string, digest: string, from: string | undefined, mayRead: (source: string) => Promise<boolean>): Promise<BlobLink | undefined> {
    const candidates = from === undefined ? await this.store.repositoriesWithBlob(digest, MOUNT_CANDIDATES) : [from];
    for (const source of candidates) {
      if (!(await mayRead(source))) continue;
      const link = await this.store.getBlobLink(source, digest);
      if (link) return this.writer.link(repository, link);
    }
    return undefined;
  }

  /** Removes what an abandoned upload left behind; used when a session expires. */
  async discard(session: UploadSession): Promise<void> {
    await this.store.deleteUpload(session.id);
    await this.discardData(session);
  }

  private async load(repository: string, id: string): Promise<UploadSession> {
    const session = await this.store.getUpload(id);
    const nowSeconds = this.options.now().getTime() / 1000;
    // DynamoDB's TTL deletes lazily, so an expired session may still be read.
    if (!session || session.repository !== repository || session.expiresAt <= nowSeconds) {
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} is unknown or has expired; start a new upload`);
    }
    return session;
  }

  /**
   * Runs a request's work while it holds the session. A request that fails
   * lets the session go as last saved, so the client can resume from its Range.
   */
  private async withLease<T>(session: UploadSession, work: (hold: Hold) => Promise<T>): Promise<T> {
    const lease = randomUUID();
    const claim = async (offset: number) => {
      const nowSeconds = Math.floor(this.options.now().getTime() / 1000);
      await this.store.claimUpload(session.id, offset, lease, nowSeconds + LEASE_SECONDS, nowSeconds);
    };
    await claim(session.offset);
    let latest = session;
    let released = false;
    const hold: Hold = {
      checkpoint: async (next) => {
        await this.store.saveUpload(next, lease);
        latest = next;
        await claim(next.offset);
      },
      renew: async () => {
        await this.store.saveUpload(latest, lease);
        await claim(latest.offset);
      },
      release: async (next) => {
        await this.store.saveUpload(next, lease);
        latest = next;
        released = true;
      },
    };
    try {
      return await work(hold);
    } catch (error) {
      // Does nothing when the session was deleted or the lease lost meanwhile.
      if (!released) await this.store.saveUpload(latest, lease).catch(() => undefined);
      throw error;
    }
  }

  /** Receives a request that is the whole layer (see ./whole-upload.ts), renewing its lease as the bytes arrive. */
  private receiveAsWhole(session: UploadSession, body: StreamedBody, hold: Hold): Promise<UploadSession> {
    return receiveWhole(this.blobs, session, body, this.partBuffers, { renew: hold.renew, everyMs: RENEW_EVERY_MS });
  }

  /**
   * Receives a request's bytes into parts after what the session holds. A
   * session holding one whole object (a streamed request) that is then added
   * to — which no client is known to do — has that object read back once and
   * sent to parts with the new bytes, its hash state rebuilt on the way.
   */
  private async receiveParts(session: UploadSession, body: UploadBody, hold: Hold): Promise<Received> {
    if (!session.whole) return receive(this.blobs, session, body.bytes, this.partBytes, hold.checkpoint);
    const restart: UploadSession = { ...session, offset: 0, hashState: await initialHashState() };
    delete restart.whole;
    return receive(this.blobs, restart, concat(this.blobs.read(session.whole.objectKey), body.bytes), this.partBytes, hold.checkpoint);
  }

  /** Receives the request that completes the upload, and makes the blob visible once its digest matches. */
  private async receiveLast(session: UploadSession, digest: string, body: UploadBody, range: ByteRange | undefined, hold: Hold): Promise<BlobLink> {
    if (takesWhole(session, body, range !== undefined)) {
      return this.completeWhole(await this.receiveAsWhole(session, body, hold), digest);
    }
    if (session.whole && lengthOf(body) === 0) return this.completeWhole(session, digest);
    const received = await this.receiveParts(session, body, hold);
    if (range && brought(session, received) !== range.end - range.start + 1) {
      const kept = await keepWaiting(this.blobs, received);
      await hold.release(kept);
      checkRangeLength(kept, range, brought(session, received));
    }
    const hash = await hashAll(received);
    if (hash.digest !== digest) {
      await this.discard(received.session);
      throw digestMismatch(digest, hash.digest);
    }
    return this.commit(received, digest, hash.size);
  }

  /** Completes a session whose bytes are one object: its digest was taken as it arrived, so nothing is read. */
  private async completeWhole(session: UploadSession, digest: string): Promise<BlobLink> {
    const whole = session.whole!;
    if (whole.digest !== digest) {
      await this.discard(session);
      throw digestMismatch(digest, whole.digest);
    }
    const existing = await this.linkExisting(session, digest);
    if (existing) return existing;
    return this.writer.adoptVerifiedObject(session.repository, digest, whole.size, whole.objectKey);
  }

  private async commit(received: Received, digest: string, size: number): Promise<BlobLink> {
    const { session, waiting } = received;
    if (!session.multipart) {
      const link = await this.writer.writeVerified(session.repository, digest, waiting);
      if (session.pending) await this.blobs.delete(session.pending.objectKey);
      return link;
    }
    const existing = await this.linkExisting(session, digest);
    if (existing) return existing;
    const multipart = await sendLastPart(this.blobs, received);
    await this.blobs.completeMultipart(multipart.objectKey, multipart.uploadId, multipart.parts);
    if (session.pending) await this.blobs.delete(session.pending.objectKey);
    return this.writer.adoptVerifiedObject(session.repository, digest, size, multipart.objectKey);
  }

  /** When the digest is stored already, links that copy and drops what the session received. */
  private async linkExisting(session: UploadSession, digest: string): Promise<BlobLink | undefined> {
    const existing = await this.store.getBlob(digest);
    if (!existing) return undefined;
    await this.discardData(session);
    return this.writer.link(session.repository, { digest, size: existing.size, objectKey: existing.objectKey });
  }

  private async discardData(session: UploadSession): Promise<void> {
    if (session.pending) await this.blobs.delete(session.pending.objectKey);
    // A whole object, or one a request that added to it left unreferenced (parts go to the same key).
    await this.blobs.delete(objectKeys.assembledBlob(session.id));
    if (session.multipart) await this.abortQuietly(session.multipart.objectKey, session.multipart.uploadId);
  }

  private async abortQuietly(key: string, uploadId: string): Promise<void> {
    // The bucket's lifecycle rule aborts what this misses.
    await this.blobs.abortMultipart(key, uploadId).catch(() => undefined);
  }
}

/** Throws DIGEST_INVALID unless `bytes` are the blob `digest` names. */
export function checkWhole(digest: string, bytes: Uint8Array): void {
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (actual !== digest) throw digestMismatch(digest, actual);
}

function digestMismatch(declared: string, actual: string): RegistryError {
  return new RegistryError('DIGEST_INVALID', `provided digest ${declared} does not match the uploaded content (${actual}); nothing was stored`, { digest: declared });
}

/** Bytes the request itself brought: what was received, less a whole object read back ahead of them. */
function brought(session: UploadSession, received: Received): number {
  return received.count - (session.whole?.size ?? 0);
}

function lengthOf(body: UploadBody): number | undefined {
  return body.bytes instanceof Uint8Array ? body.bytes.length : body.length;
}

function checkRangeStart(session: UploadSession, range: ByteRange | undefined, length: number | undefined): void {
  if (range === undefined) return;
  if (range.start !== session.offset || (length !== undefined && range.end - range.start + 1 !== length)) {
    throw new RegistryError(
      'RANGE_INVALID',
      `chunk ${range.start}-${range.end}${length === undefined ? '' : ` (${length} bytes)`} does not continue the upload at offset ${session.offset}`,
    );
  }
}

/** A streamed chunk's length is known once read; the bytes received stay in the session. */
function checkRangeLength(session: UploadSession, range: ByteRange | undefined, received: number): void {
  if (range === undefined || range.end - range.start + 1 === received) return;
  throw new RegistryError(
    'RANGE_INVALID',
    `chunk ${range.start}-${range.end} declared ${range.end - range.start + 1} bytes but ${received} arrived; the upload is now at offset ${session.offset}`,
  );
}
