import { createHash } from 'node:crypto';
import { objectKeys } from '../../store/keys.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { UploadSession } from '../../store/records.js';
import type { ByteSource } from './upload-stream.js';

/** S3 takes at most 5 GiB in one PUT. */
const SINGLE_PUT_MAX_BYTES = 5 * 1024 ** 3;

/** A streamed request body whose length is known before it is read. */
export interface StreamedBody {
  bytes: AsyncIterable<Uint8Array>;
  length: number;
}

/**
 * Whether a request may send its bytes to S3 in one PUT: the first bytes of
 * the session, streamed with a length known ahead and no Content-Range — how
 * skopeo, podman, crane and containerd send a layer. Such a request is the
 * whole layer as far as the client is concerned: were it cut off, the client
 * starts again from the Range, here 0, so it needs no parts to resume from,
 * nor a hash state saved midway, and it is hashed natively, several times
 * faster than the resumable hash. Chunked clients, which send Content-Range,
 * keep parts and their resumable state.
 */
export function takesWhole(session: UploadSession, body: { bytes: ByteSource; length?: number }, chunked: boolean, partBytes: number): body is StreamedBody {
  const first = session.offset === 0 && !session.pending && !session.multipart && !session.whole;
  return first && !chunked && !(body.bytes instanceof Uint8Array)
    && body.length !== undefined && body.length > partBytes && body.length <= SINGLE_PUT_MAX_BYTES;
}

/**
 * Streams the body into one object as it arrives, hashing it on the way, and
 * returns the session holding it. The object stays marked pending until the
 * upload completes, so one whose client never completes it expires with the
 * bucket's lifecycle rule (DynamoDB's TTL drops the session, not the object).
 * `renew` is called every `renewEveryMs` to keep the session's lease while a
 * large body arrives.
 */
export async function receiveWhole(
  blobs: BlobStore,
  session: UploadSession,
  body: StreamedBody,
  renew: () => Promise<void>,
  renewEveryMs: number,
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
  let renewal: Promise<void> = Promise.resolve();
  const renewing = setInterval(() => {
    renewal = renewal.then(renew);
  }, renewEveryMs);
  try {
    await blobs.putStream(objectKey, hashed(), body.length);
  } finally {
    clearInterval(renewing);
  }
  // A lost lease means another request took the session: this one must not report success.
  await renewal;
  return { ...session, offset: size, whole: { objectKey, size, digest: `sha256:${hash.digest('hex')}` } };
}
