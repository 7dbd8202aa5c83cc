import { createReadStream, ReadStream } from 'node:fs';
import type S3rver from 's3rver';

/**
 * s3rver streams an object from its file in 64 KiB reads (Node's default), so
 * serving a layer costs a read and a socket write per 64 KiB: most of local
 * mode's CPU in a pull, where distribution hands the file to the kernel with
 * sendfile. Reads of 1 MiB cut those calls sixteenfold.
 */
const READ_CHUNK_BYTES = 1024 * 1024;

/** Extends `server` before it starts listening: GetObject reads its file, or the range asked for, in large chunks. */
export function readObjectsInLargeChunks(server: S3rver): void {
  const { store } = server;
  const getObject = store.getObject.bind(store);
  store.getObject = async (bucket, key, options) => {
    const object = await getObject(bucket, key, options);
    const content = object?.content;
    if (!(content instanceof ReadStream)) return object;
    // Same file and byte range, opened again: s3rver's stream has read nothing yet.
    const { path, start, end } = content as ReadStream & { start?: number; end?: number };
    content.destroy();
    object!.content = createReadStream(path, { start, end, highWaterMark: READ_CHUNK_BYTES });
    return object;
  };
}
