import { AsyncLocalStorage } from 'node:async_hooks';
import type { Readable } from 'node:stream';
import type S3rver from 's3rver';
import type { S3rverContext, S3rverObject } from 's3rver';
import S3Error from 's3rver/lib/models/error.js';
import type { Algorithm, ObjectWriters } from './object-writers.js';
import { isPutObject } from './s3rver-requests.js';

/**
 * PutObject as S3 does it, where s3rver falls short:
 *
 * - S3's handling of a PutObject's `x-amz-checksum-sha256`: the body is hashed
 *   while it is stored, refused with BadDigest when it differs (the key keeps
 *   what it held), and the checksum is returned on HEAD and GET with
 *   `x-amz-checksum-mode: ENABLED`. The registry then confirms a digest without
 *   reading the blob back, as on AWS. The checksum is kept as object metadata,
 *   so s3rver deletes it with the object.
 * - Streamed PutObject bodies are written and hashed in worker threads (see
 *   ./object-writers.ts), so one upload's MD5 does not hold up the others.
 * - `If-None-Match: *` (a conditional write): the object is put in place only if
 *   the key holds none at that moment, else refused with 412 PreconditionFailed
 *   (the key keeps what it held, tags included), as S3 checks during the write.
 */

const CHECKSUM = 'x-amz-checksum-sha256';
/** Where the verified checksum is kept; no client may set or see it. */
const STORED = 'x-amz-meta-berth-checksum-sha256';
/** Set while a PutObject that only creates is served. */
const createOnly = new AsyncLocalStorage<boolean>();

/** Whether the PutObject being served only creates (`If-None-Match: *`). */
export function createsOnly(): boolean {
  return createOnly.getStore() === true;
}

/** The checksum a request claims, from its header or, when presigned with it hoisted, its query. */
function claimedChecksum(ctx: S3rverContext): string | undefined {
  const value = ctx.headers[CHECKSUM] ?? ctx.query[CHECKSUM];
  if (value === undefined) return undefined;
  const bytes = Buffer.from(String(value), 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== value) {
    throw new S3Error('InvalidRequest', `Value for ${CHECKSUM} header is invalid.`);
  }
  return value;
}

function checksumMiddleware() {
  return async (ctx: S3rverContext, next: () => Promise<void>): Promise<void> => {
    // The metadata is the emulator's record of a verified checksum, never a client's word.
    delete ctx.headers[STORED];
    const claimed = isPutObject(ctx) ? claimedChecksum(ctx) : undefined;
    if (claimed !== undefined) ctx.headers[STORED] = claimed;
    await createOnly.run(isPutObject(ctx) && ctx.headers['if-none-match'] === '*', next);
    const stored = ctx.response.get(STORED);
    ctx.remove(STORED);
    if (claimed !== undefined && ctx.status === 200) ctx.set(CHECKSUM, claimed);
    if (stored && ctx.status === 200 && ctx.headers['x-amz-checksum-mode'] === 'ENABLED') ctx.set(CHECKSUM, stored);
  };
}

/** s3rver's putObject for streamed bodies, written in a worker, into place only once complete and verified. */
function workerPutObject(server: S3rver, writers: ObjectWriters): (object: S3rverObject) => Promise<{ size: number; md5: string }> {
  const { store } = server;
  const original = store.putObject.bind(store);
  return async (object) => {
    if (Buffer.isBuffer(object.content)) return original(object);
    const claimed = object.metadata[STORED];
    const algorithms: Algorithm[] = claimed ? ['md5', 'sha256'] : ['md5'];
    const path = store.getResourcePath(object.bucket, object.key, 'object');
    const written = await writers.replace(path, object.content as Readable, algorithms, ({ digests }) => {
      if (claimed && Buffer.from(digests.sha256!, 'hex').toString('base64') !== claimed) {
        throw new S3Error('BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
      }
    }, { exclusive: createsOnly() }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
    });
    await store.putMetadata(object.bucket, object.key, object.metadata, written.digests.md5!);
    return { size: written.size, md5: written.digests.md5! };
  };
}

/** Extends `server` before it starts listening; its streamed bodies go to `writers`. */
export function putObjectsAsS3Does(server: S3rver, writers: ObjectWriters): void {
  // Outermost, so that the errors it throws are rendered by s3rver's own error handler.
  server.middleware.unshift(checksumMiddleware());
  server.store.putObject = workerPutObject(server, writers);
}
