import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type S3rver from 's3rver';
import type { S3rverContext } from 's3rver';
import S3Error from 's3rver/lib/models/error.js';
import { createsOnly } from './s3rver-put-object.js';

/**
 * A PutObject whose body the client has already written to a file of the
 * spool directory, beside the emulator's own: the file becomes the object by
 * rename. The upload gateway sends local uploads so (local/spooled-blob-store.ts),
 * so a local push writes each byte once, as a registry on a filesystem does,
 * where passing them over a socket to the emulator to write made local mode's
 * S3 cost more than the gateway itself. The request is an ordinary PutObject
 * otherwise: tags, metadata and `If-None-Match: *` apply as to any other.
 */

/** The metadata that names the file; the emulator removes it before storing the object's metadata. */
export const SPOOLED_FILE_METADATA = 'berth-spooled-file';
const HEADER = `x-amz-meta-${SPOOLED_FILE_METADATA}`;
/** The gateway names spool files with random UUIDs: nothing else, no path, is taken. */
const SPOOL_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Extends `server` (after putObjectsAsS3Does) to take spooled files from `spoolDirectory`. */
export function adoptSpooledFiles(server: S3rver, spoolDirectory: string): void {
  // Only a request signed in its headers, by a holder of the emulator's keys: the holder of a presigned URL may not name files.
  server.middleware.unshift(async (ctx: S3rverContext, next: () => Promise<void>) => {
    if (ctx.headers[HEADER] !== undefined && !String(ctx.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      throw new S3Error('AccessDenied', 'A spooled file may be named only by a request signed in its headers.');
    }
    await next();
  });
  const { store } = server;
  const next = store.putObject.bind(store);
  store.putObject = async (object) => {
    const name = object.metadata[HEADER];
    if (name === undefined) return next(object);
    delete object.metadata[HEADER];
    if (!SPOOL_NAME.test(name)) throw new S3Error('InvalidArgument', `${HEADER} must name a spooled file.`);
    (object.content as Readable).resume();
    const source = join(spoolDirectory, name);
    const { size } = await stat(source).catch(() => {
      throw new S3Error('InvalidArgument', `No spooled file ${name}.`);
    });
    const target = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(target), { recursive: true });
    if (createsOnly()) {
      // link fails when the key holds an object: the check and the write are one step, as in S3.
      await link(source, target).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
      });
      await unlink(source);
    } else {
      await rename(source, target);
    }
    // Nothing reads a local object's ETag as an MD5; hashing the file for it would read every byte again.
    const md5 = randomBytes(16).toString('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size, md5 };
  };
}

/** An empty spool directory: files left in it belong to writers that are gone. */
export async function prepareSpool(spoolDirectory: string): Promise<void> {
  await mkdir(spoolDirectory, { recursive: true });
  await Promise.all((await readdir(spoolDirectory)).map((name) => rm(join(spoolDirectory, name), { force: true })));
}
