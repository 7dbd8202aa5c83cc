import { createHash } from 'node:crypto';
import { objectKeys } from '../../store/keys.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { MultipartState, UploadSession } from '../../store/records.js';
import type { PartBuffers } from './part-buffers.js';
import { ChunkQueue, PartSender, type ByteSource } from './upload-stream.js';

/** S3 takes at most 5 GiB in one PUT. */
const SINGLE_PUT_MAX_BYTES = 5 * 1024 ** 3;

/** A streamed request body, with its length when the request declared it (Content-Length). */
export interface StreamedBody {
  bytes: AsyncIterable<Uint8Array>;
  length?: number;
}

/** Keeps a request's hold on its session while a long body arrives. */
export interface Renewal {
  renew: () => Promise<void>;
  everyMs: number;
}

/**
 * Whether a request is the whole layer as far as its client is concerned:
 * the first bytes of the session, streamed, with no Content-Range — how
 * docker, containerd, skopeo, podman and crane send a layer, with a
 * Content-Length or in chunked transfer encoding. Were it cut off, the client
 * starts again from the Range, here 0, so such a request needs no hash state
 * saved midway: it is hashed natively, several times faster than the
 * resumable hash, and becomes one object. Chunked clients, which send
 * Content-Range, keep parts and their resumable state.
 */
export function takesWhole(session: UploadSession, body: { bytes: ByteSource; length?: number }, chunked: boolean): body is StreamedBody {
  const first = session.offset === 0 && !session.pending && !session.multipart && !session.whole;
  return first && !chunked && !(body.bytes instanceof Uint8Array);
}

/**
 * Receives a whole-layer request into one object, hashing it as it arrives,
 * and returns the session holding it. A body of known length that S3 takes in
 * one PUT streams into that PUT; any other goes to a store that takes bodies
 * of unknown length whole (local mode's), or else in parts (of `parts.size`),
 * a few at once, assembled when the body ends. The object stays marked pending until
 * the upload completes, so one whose client never completes it expires with
 * the bucket's lifecycle rule (DynamoDB's TTL drops the session, not the object).
 */
export async function receiveWhole(
  blobs: BlobStore,
  session: UploadSession,
  body: StreamedBody,
  parts: PartBuffers,
  renewal: Renewal,
): Promise<UploadSession> {
  const objectKey = objectKeys.assembledBlob(session.id);
  const hash = createHash('sha256');
  let size = 0;
  async function* hashed(): AsyncIterable<Uint8Array> {
    for await (const chunk of body.bytes) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  }
  await whileRenewing(renewal, async () => {
    if (body.length !== undefined && body.length <= SINGLE_PUT_MAX_BYTES) await blobs.putStream(objectKey, hashed(), body.length);
    else if (blobs.putUnsized) await blobs.putUnsized(objectKey, hashed());
    else await sendInParts(blobs, session, hashed(), parts, objectKey);
  });
  if (size === 0) return session;
  return { ...session, offset: size, whole: { objectKey, size, digest: `sha256:${hash.digest('hex')}` } };
}

/**
 * Sends a body of unknown length to `objectKey` in parts of `buffers.size`
 * as it arrives; a body that ends within the first part goes in one PUT
 * instead. When the body fails, the parts sent are discarded: the session
 * never referred to them.
 */
async function sendInParts(blobs: BlobStore, session: UploadSession, bytes: AsyncIterable<Uint8Array>, buffers: PartBuffers, objectKey: string): Promise<void> {
  const queue = new ChunkQueue();
  const sender = new PartSender(blobs, session, (part) => {
    if (part.length === buffers.size) buffers.give(part);
  });
  const parts: MultipartState['parts'] = [];
  let nextPart = 1;
  const send = (part: Buffer) => {
    const partNumber = nextPart;
    nextPart += 1;
    return sender.send(partNumber, part, (etag) => { parts.push({ partNumber, etag }); });
  };
  try {
    for await (const chunk of bytes) {
      queue.push(chunk);
      while (queue.size >= buffers.size) await send(queue.take(buffers.size, buffers.take()));
    }
    if (!sender.used) {
      const rest = queue.take(queue.size);
      if (rest.length > 0) await blobs.putStream(objectKey, [rest], rest.length);
      return;
    }
    if (queue.size > 0) await send(queue.take(queue.size));
    await sender.finish();
  } catch (error) {
    await sender.settled();
    if (sender.used) {
      const { uploadId } = await sender.started();
      // The bucket's lifecycle rule aborts what this misses.
      await blobs.abortMultipart(objectKey, uploadId).catch(() => undefined);
    }
    throw error;
  }
  const { uploadId } = await sender.started();
  await blobs.completeMultipart(objectKey, uploadId, parts.sort((a, b) => a.partNumber - b.partNumber));
}

/** Runs `work`, renewing the request's hold every `everyMs`; a lost hold fails the request even when the work succeeded. */
async function whileRenewing(renewal: Renewal, work: () => Promise<void>): Promise<void> {
  let renewed: Promise<void> = Promise.resolve();
  const renewing = setInterval(() => {
    renewed = renewed.then(renewal.renew);
  }, renewal.everyMs);
  try {
    await work();
  } finally {
    clearInterval(renewing);
  }
  // A lost lease means another request took the session: this one must not report success.
  await renewed;
}
