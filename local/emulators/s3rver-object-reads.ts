import { ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type S3rver from 's3rver';
import type { S3rverContext } from 's3rver';

/**
 * s3rver streams an object from its file in 64 KiB reads, each into a new
 * buffer: serving a layer costs a read and a socket write per 64 KiB, and the
 * garbage collector a full collection every few dozen MiB. That was most of
 * local mode's CPU in a pull (distribution hands the file to the kernel with
 * sendfile). This sends the same bytes in 1 MiB reads into two buffers that
 * are reused once the socket has taken their bytes, and kept for the next
 * response: buffers this large, made per request, cost a collection each.
 */
const CHUNK_BYTES = 1024 * 1024;
/** Pairs of buffers no response is using, kept for the next ones: a few, as a local registry serves few downloads at once. */
const idle: Buffer[][] = [];
const MAX_IDLE_PAIRS = 4;

/** The response of a GetObject, once s3rver has set its status and headers and made its body a stream of the file. */
function fileBody(ctx: S3rverContext & { body?: unknown }): ReadStream | undefined {
  return ctx.method === 'GET' && (ctx.status === 200 || ctx.status === 206) && ctx.body instanceof ReadStream ? ctx.body : undefined;
}

function sendObjectsInLargeChunks() {
  return async (ctx: S3rverContext & { body?: unknown; respond?: boolean; res: ServerResponse }, next: () => Promise<void>): Promise<void> => {
    await next();
    const stream = fileBody(ctx);
    if (!stream) return;
    // The same file and byte range; s3rver's stream has read nothing yet.
    const { path, start = 0, end = Number.POSITIVE_INFINITY } = stream as ReadStream & { start?: number; end?: number };
    stream.destroy();
    ctx.respond = false;
    await sendRange(ctx.res, String(path), start, end).catch(() => ctx.res.destroy());
  };
}

/** Writes bytes `start` to `end` (inclusive, or to the end of the file) of `path`, then ends the response. */
async function sendRange(res: ServerResponse, path: string, start: number, end: number): Promise<void> {
  const file = await open(path);
  const buffers = idle.pop() ?? [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
  let reusable = false;
  try {
    // What each buffer's last write still holds: a buffer is read into again only once that write is done.
    const written: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
    let position = start;
    for (let turn = 0; position <= end && !res.destroyed; turn = 1 - turn) {
      await written[turn];
      const buffer = buffers[turn]!;
      const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK_BYTES, end - position + 1), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      written[turn] = new Promise((resolve, reject) => res.write(buffer.subarray(0, bytesRead), (error) => (error ? reject(error) : resolve())));
      // Whichever fails first ends the response; the other's rejection is handled here.
      written[turn]!.catch(() => undefined);
    }
    await Promise.all(written);
    // Every write is done with its buffer, so the pair may serve another response.
    reusable = true;
    await new Promise<void>((resolve) => res.end(resolve));
  } finally {
    if (reusable && idle.length < MAX_IDLE_PAIRS) idle.push(buffers);
    await file.close();
  }
}

/** Extends `server` before it starts listening: GetObject sends its file, or the range asked for, in large reused chunks. */
export function readObjectsInLargeChunks(server: S3rver): void {
  server.middleware.unshift(sendObjectsInLargeChunks() as unknown as S3rver['middleware'][number]);
}
