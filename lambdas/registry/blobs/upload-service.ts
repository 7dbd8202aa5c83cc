import { randomUUID } from 'node:crypto';
import { objectKeys } from '../../store/keys.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { MetadataStore } from '../../store/metadata-store.js';
import type { BlobLink, UploadSession } from '../../store/records.js';
import { RegistryError } from '../errors.js';
import { BlobWriter } from './blob-writer.js';
import { continueHash, initialHashState } from './resumable-sha256.js';

/** How many holders of a blob a mount without `from` considers before uploading instead. */
const MOUNT_CANDIDATES = 10;
/** S3's smallest multipart part, except the last. Smaller chunks are buffered until they add up. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/**
 * How long one request may hold a session. A request that fails releases its
 * lease at once; this bounds only a crashed invocation, so it exceeds the
 * registry function's timeout.
 */
const LEASE_SECONDS = 2 * 60;

export interface UploadServiceOptions {
  uploadTtlSeconds: number;
  now: () => Date;
}

/** An inclusive byte range from a Content-Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Chunked and monolithic blob uploads. The session lives in the metadata store,
 * so each chunk may arrive at a different Lambda invocation. The SHA-256 state
 * is saved after every chunk, and nothing becomes visible before the digest
 * the client declares matches the bytes received.
 */
export class UploadService {
  private readonly writer: BlobWriter;

  constructor(
    private readonly store: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly options: UploadServiceOptions,
  ) {
    this.writer = new BlobWriter(store, blobs, options.now);
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
  async append(repository: string, id: string, bytes: Buffer, range: ByteRange | undefined): Promise<UploadSession> {
    const session = await this.load(repository, id);
    checkRange(session, bytes, range);
    if (bytes.length === 0) return session;
    return this.withLease(session, async (lease) => {
      const next = await this.absorb(session, bytes);
      await this.store.saveUpload(next, lease);
      await this.discardPending(session, next);
      return next;
    });
  }

  /** Completes the upload (PUT ?digest=), with an optional final chunk. */
  async finish(repository: string, id: string, digest: string, bytes: Buffer, range: ByteRange | undefined): Promise<BlobLink> {
    const session = await this.load(repository, id);
    if (bytes.length > 0) checkRange(session, bytes, range);
    return this.withLease(session, async () => {
      const hash = await continueHash(session.hashState, bytes);
      if (hash.digest !== digest) {
        await this.discard(session);
        throw digestMismatch(digest, hash.digest);
      }
      const size = session.offset + bytes.length;
      const link = await this.commit(session, digest, size, bytes);
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
    const hash = await continueHash(await initialHashState(), bytes);
    if (hash.digest !== digest) throw digestMismatch(digest, hash.digest);
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

  private async withLease<T>(session: UploadSession, work: (lease: string) => Promise<T>): Promise<T> {
    const lease = randomUUID();
    const nowSeconds = Math.floor(this.options.now().getTime() / 1000);
    await this.store.claimUpload(session.id, session.offset, lease, nowSeconds + LEASE_SECONDS, nowSeconds);
    try {
      return await work(lease);
    } catch (error) {
      // Saving the unchanged session releases the lease so the client can retry the chunk;
      // it does nothing when the session was deleted or the lease lost.
      await this.store.saveUpload(session, lease).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Adds bytes to the session: hashed at once, then either sent as a multipart
   * part (once at least 5 MiB are waiting) or kept as a pending object.
   */
  private async absorb(session: UploadSession, bytes: Buffer): Promise<UploadSession> {
    const hash = await continueHash(session.hashState, bytes);
    const waiting = await this.waitingBytes(session, bytes);
    const next: UploadSession = { ...session, offset: session.offset + bytes.length, hashState: hash.state };
    delete next.pending;
    if (waiting.length >= MIN_PART_BYTES) {
      next.multipart = await this.sendPart(session, waiting);
    } else if (waiting.length > 0) {
      // A fresh key per write: a request that lost its lease can never overwrite the winner's bytes.
      const objectKey = objectKeys.uploadPending(session.id, randomUUID());
      await this.blobs.put(objectKey, waiting);
      next.pending = { objectKey, size: waiting.length };
    }
    return next;
  }

  private async waitingBytes(session: UploadSession, bytes: Buffer): Promise<Buffer> {
    if (!session.pending) return bytes;
    return Buffer.concat([await this.blobs.get(session.pending.objectKey), bytes]);
  }

  private async sendPart(session: UploadSession, bytes: Buffer): Promise<NonNullable<UploadSession['multipart']>> {
    const multipart = session.multipart ?? await this.startMultipart(session.id);
    const partNumber = multipart.parts.length + 1;
    const etag = await this.blobs.uploadPart(multipart.objectKey, multipart.uploadId, partNumber, bytes);
    return { ...multipart, parts: [...multipart.parts, { partNumber, etag }] };
  }

  private async startMultipart(uploadId: string): Promise<NonNullable<UploadSession['multipart']>> {
    const objectKey = objectKeys.assembledBlob(uploadId);
    return { objectKey, uploadId: await this.blobs.createMultipart(objectKey), parts: [] };
  }

  private async commit(session: UploadSession, digest: string, size: number, finalBytes: Buffer): Promise<BlobLink> {
    const waiting = await this.waitingBytes(session, finalBytes);
    if (!session.multipart) {
      const link = await this.writer.writeVerified(session.repository, digest, waiting);
      if (session.pending) await this.blobs.delete(session.pending.objectKey);
      return link;
    }
    const existing = await this.store.getBlob(digest);
    if (existing) {
      await this.discardData(session);
      return this.writer.link(session.repository, { digest, size: existing.size, objectKey: existing.objectKey });
    }
    const multipart = waiting.length > 0 ? await this.sendPart(session, waiting) : session.multipart;
    await this.blobs.completeMultipart(multipart.objectKey, multipart.uploadId, multipart.parts);
    if (session.pending) await this.blobs.delete(session.pending.objectKey);
    return this.writer.adoptVerifiedObject(session.repository, digest, size, multipart.objectKey);
  }

  private async discardData(session: UploadSession): Promise<void> {
    if (session.pending) await this.blobs.delete(session.pending.objectKey);
    if (session.multipart) await this.abortQuietly(session.multipart.objectKey, session.multipart.uploadId);
  }

  private async discardPending(before: UploadSession, after: UploadSession): Promise<void> {
    if (before.pending && before.pending.objectKey !== after.pending?.objectKey) {
      await this.blobs.delete(before.pending.objectKey);
    }
  }

  private async abortQuietly(key: string, uploadId: string): Promise<void> {
    // The bucket's lifecycle rule aborts what this misses.
    await this.blobs.abortMultipart(key, uploadId).catch(() => undefined);
  }
}

function digestMismatch(declared: string, actual: string): RegistryError {
  return new RegistryError('DIGEST_INVALID', `provided digest ${declared} does not match the uploaded content (${actual}); nothing was stored`, { digest: declared });
}

function checkRange(session: UploadSession, bytes: Buffer, range: ByteRange | undefined): void {
  if (range === undefined) return;
  if (range.start !== session.offset || range.end - range.start + 1 !== bytes.length) {
    throw new RegistryError(
      'RANGE_INVALID',
      `chunk ${range.start}-${range.end} (${bytes.length} bytes) does not continue the upload at offset ${session.offset}`,
    );
  }
}
