import { randomUUID } from 'node:crypto';
import { objectKeys } from '../../store/keys.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { MultipartState, UploadSession } from '../../store/records.js';
import { resumeHash } from './resumable-sha256.js';

/** Upload bytes: a whole body already read (Lambda), or a body read as it arrives (the upload gateway). */
export type ByteSource = Uint8Array | AsyncIterable<Uint8Array>;

/** Saves a session mid-request, keeping the request's hold on it. */
export type Checkpoint = (session: UploadSession) => Promise<void>;

/** What a request added to a session, with the bytes not yet in a part. */
export interface Received {
  /** The session as last saved: its offset and hash state cover the bytes in parts and in `pending`. */
  session: UploadSession;
  /** Bytes not in a part: the session's pending bytes, then `fresh` new ones. */
  waiting: Buffer;
  /** New bytes at the end of `waiting`, not yet hashed nor counted in the session's offset. */
  fresh: number;
  /** Bytes this request brought. */
  count: number;
}

/** Parts one request uploads at once: S3 takes them in parallel. */
const PARTS_IN_FLIGHT = 2;
/** Parts one request holds in memory at most: those in flight and the one filling. */
export const PARTS_HELD = PARTS_IN_FLIGHT + 1;

/** A part cut from the stream, with the session's offset and hash state once it is stored. */
interface CutPart {
  partNumber: number;
  offset: number;
  hashState: Uint8Array;
}

/**
 * Receives an upload's bytes as they arrive and sends them to S3 in parts of
 * `partBytes`, a few at once, so memory per upload stays at a few parts
 * whatever the blob's size.
 *
 * The hash advances only over bytes cut into a part, and the session is saved
 * only up to the last part stored with all the parts before it, so a saved
 * state covers exactly the session's offset: a request cut off midway leaves
 * a session the client can resume from its Range, and the state outlives the
 * process (resumable SHA-256), so completing never reads back.
 */
export async function receive(
  blobs: BlobStore,
  start: UploadSession,
  source: ByteSource,
  partBytes: number,
  checkpoint: Checkpoint,
): Promise<Received> {
  const buffer = new ChunkQueue();
  // Pending bytes of earlier requests are hashed and counted already.
  if (start.pending) buffer.push(await blobs.get(start.pending.objectKey));
  let counted = buffer.size;
  let cut = { offset: start.offset, hashState: start.hashState };
  let nextPart = (start.multipart?.parts.length ?? 0) + 1;
  let count = 0;
  const sender = new PartSender(blobs, start);
  const stored = new Map<number, CutPart & { etag: string }>();
  let saved = start;
  let saving: Promise<void> = Promise.resolve();

  /** Saves the session up to the last part stored after all those before it; one save at a time. */
  const save = (): Promise<void> => {
    saving = saving.then(async () => {
      const parts = [...saved.multipart?.parts ?? []];
      let last: CutPart | undefined;
      for (let part = stored.get(parts.length + 1); part; part = stored.get(parts.length + 1)) {
        parts.push({ partNumber: part.partNumber, etag: part.etag });
        stored.delete(part.partNumber);
        last = part;
      }
      if (!last) return;
      const next: UploadSession = { ...saved, offset: last.offset, hashState: last.hashState, multipart: { ...(await sender.started()), parts } };
      delete next.pending;
      await checkpoint(next);
      const consumed = saved.pending;
      saved = next;
      if (consumed) await blobs.delete(consumed.objectKey);
    });
    return saving;
  };

  const sendPart = async (): Promise<void> => {
    // A part always takes the counted bytes whole, so a saved session never splits them.
    const bytes = buffer.take(Math.max(partBytes, counted));
    const hash = await resumeHash(cut.hashState);
    hash.update(bytes.subarray(counted));
    cut = { offset: cut.offset + bytes.length - counted, hashState: hash.save() };
    counted = 0;
    const part: CutPart = { partNumber: nextPart, ...cut };
    nextPart += 1;
    await sender.send(part.partNumber, bytes, async (etag) => {
      stored.set(part.partNumber, { ...part, etag });
      await save();
    });
  };

  try {
    for await (const chunk of iterate(source)) {
      buffer.push(chunk);
      count += chunk.length;
      while (buffer.size >= Math.max(partBytes, counted)) await sendPart();
    }
  } finally {
    // Whatever happened, keep what was stored: the session resumes from there.
    await sender.settled();
    await saving.catch(() => undefined);
  }
  await sender.finish();
  await saving;
  const fresh = buffer.size - counted;
  return { session: saved, waiting: buffer.take(buffer.size), fresh, count };
}

/**
 * Sends one upload's parts to S3 as a request cuts them, a few at once, so
 * the parts a request holds in memory stay at PARTS_HELD. The multipart upload
 * is started with the first part, or continued from the session's.
 */
export class PartSender {
  private readonly uploading = new Set<Promise<void>>();
  private multipart?: Promise<MultipartState>;

  constructor(
    private readonly blobs: BlobStore,
    private readonly session: UploadSession,
    /** Takes back a part's bytes once its upload has ended, however it ended. */
    private readonly sent: (bytes: Buffer) => void = () => undefined,
  ) {}

  /** The multipart upload the parts go to (its parts as the session had them). */
  started(): Promise<MultipartState> {
    this.multipart ??= this.session.multipart ? Promise.resolve(this.session.multipart) : startMultipart(this.blobs, this.session.id);
    return this.multipart;
  }

  /** Whether a part was sent, or the session continues a multipart upload. */
  get used(): boolean {
    return this.multipart !== undefined;
  }

  /** Waits for room, then sends `bytes` as part `partNumber`; `stored` runs with its ETag once S3 holds it. */
  async send(partNumber: number, bytes: Buffer, stored: (etag: string) => Promise<void> | void): Promise<void> {
    while (this.uploading.size >= PARTS_IN_FLIGHT) await Promise.race(this.uploading);
    const upload = (async () => {
      const { objectKey, uploadId } = await this.started();
      let etag: string;
      try {
        etag = await this.blobs.uploadPart(objectKey, uploadId, partNumber, bytes);
      } finally {
        this.sent(bytes);
      }
      await stored(etag);
    })();
    this.uploading.add(upload);
    // Awaited by the sender or at the end; meanwhile a failure must not count as unhandled.
    upload.then(() => this.uploading.delete(upload), () => undefined);
  }

  /** Waits until every part sent has succeeded or failed. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.uploading);
  }

  /** Waits for every part sent; throws if one failed. */
  async finish(): Promise<void> {
    await Promise.all(this.uploading);
  }
}

async function appendPart(blobs: BlobStore, session: UploadSession, bytes: Buffer): Promise<MultipartState> {
  const multipart = session.multipart ?? await startMultipart(blobs, session.id);
  const partNumber = multipart.parts.length + 1;
  const etag = await blobs.uploadPart(multipart.objectKey, multipart.uploadId, partNumber, bytes);
  return { ...multipart, parts: [...multipart.parts, { partNumber, etag }] };
}

async function startMultipart(blobs: BlobStore, uploadId: string): Promise<MultipartState> {
  const objectKey = objectKeys.assembledBlob(uploadId);
  return { objectKey, uploadId: await blobs.createMultipart(objectKey), parts: [] };
}

/** Sends the bytes not yet in a part as the last one (S3 takes a last part under 5 MiB). */
export async function sendLastPart(blobs: BlobStore, received: Received): Promise<MultipartState> {
  const { session, waiting } = received;
  return waiting.length > 0 ? appendPart(blobs, session, waiting) : session.multipart!;
}

/** The session's hash advanced over the fresh bytes: the state and digest of everything received. */
export async function hashAll(received: Received): Promise<{ hashState: Uint8Array; digest: string; size: number }> {
  const hash = await resumeHash(received.session.hashState);
  hash.update(received.waiting.subarray(received.waiting.length - received.fresh));
  return { hashState: hash.save(), digest: hash.digest(), size: received.session.offset + received.fresh };
}

/**
 * Keeps the bytes not yet in a part as a pending object, which the upload's
 * next request picks up. A fresh key per write: a request that lost its hold
 * on the session never overwrites the winner's bytes.
 */
export async function keepWaiting(blobs: BlobStore, received: Received): Promise<UploadSession> {
  const { session, waiting } = received;
  if (received.fresh === 0) return session;
  const { hashState, size } = await hashAll(received);
  const objectKey = objectKeys.uploadPending(session.id, randomUUID());
  await blobs.put(objectKey, waiting);
  return { ...session, offset: size, hashState, pending: { objectKey, size: waiting.length } };
}

/** One source after another. */
export async function* concat(...sources: ByteSource[]): AsyncIterable<Uint8Array> {
  for (const source of sources) yield* iterate(source);
}

async function* iterate(source: ByteSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) {
    if (source.length > 0) yield source;
    return;
  }
  yield* source;
}

/** Received chunks, taken from the front in parts of a given size. */
export class ChunkQueue {
  private chunks: Buffer[] = [];
  size = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.size += chunk.length;
  }

  /** The first `bytes` bytes, copied into `into` when given (of that length), else in a buffer of their own where they span chunks. */
  take(bytes: number, into?: Buffer): Buffer {
    const taken: Buffer[] = [];
    let needed = bytes;
    while (needed > 0) {
      const first = this.chunks[0]!;
      if (first.length <= needed) {
        taken.push(first);
        this.chunks.shift();
        needed -= first.length;
      } else {
        taken.push(first.subarray(0, needed));
        this.chunks[0] = first.subarray(needed);
        needed = 0;
      }
    }
    this.size -= bytes;
    if (into) {
      let offset = 0;
      for (const chunk of taken) offset += chunk.copy(into, offset);
      return into;
    }
    return taken.length === 1 ? taken[0]! : Buffer.concat(taken);
  }
}
