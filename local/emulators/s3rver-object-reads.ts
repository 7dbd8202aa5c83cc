import { ReadStream, statSync, type BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type S3rver from 's3rver';
import type { S3rverContext } from 's3rver';
import type { ObjectCache } from './object-cache.js';
import { checkedPresignedExpiry } from './s3rver-presigned-auth.js';
import { objectOf } from './s3rver-requests.js';

/**
 * GetObject, faster than s3rver serves it.
 *
 * s3rver streams an object from its file in 64 KiB reads, each into a new buffer: serving a layer
 * cost a read and a socket write per 64 KiB, and the garbage collector a full collection every few
 * dozen MiB. Here the same bytes go in 1 MiB reads, and objects small enough to keep
 * (./object-cache.ts) are read into memory as they are sent.
 *
 * A kept object's next plain GET, presigned as the registry's redirects are, is answered from
 * memory before s3rver looks at it: s3rver makes about a dozen file-system calls before its first
 * byte (metadata, MD5, stat, open), each a round trip through libuv's thread pool, which costs
 * milliseconds on an idle machine; a pull downloads its layers one after another, so that was
 * most of what each layer waited for beyond its bytes.
 */
const CHUNK_BYTES = 1024 * 1024;
/** Pairs of buffers no response is using, kept for the next ones: a few, as a local registry serves few downloads at once. */
const idle: Buffer[][] = [];
const MAX_IDLE_PAIRS = 4;

/** Takes a whole object read as it was sent, with its file's stats then. */
type Keep = (bytes: Buffer, stats: BigIntStats) => void;

/** Request headers that make a GetObject answer differ from a plain one: a range, a condition, a checksum. */
const VARYING_HEADERS = ['range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'x-amz-checksum-mode'];
/** Response headers Node writes for each response itself. */
const PER_RESPONSE_HEADERS = ['date', 'connection', 'keep-alive', 'transfer-encoding'];

/**
 * A GetObject of a whole object with nothing that varies its answer: no range, condition, checksum
 * mode, response-header override or subresource; only a presigned URL's own parameters.
 */
function isPlainGet(ctx: S3rverContext): boolean {
  return ctx.method === 'GET'
    && VARYING_HEADERS.every((name) => ctx.headers[name] === undefined)
    && Object.keys(ctx.query).every((name) => name.startsWith('X-Amz-') || name === 'x-id');
}

/** The response of a GetObject, once s3rver has set its status and headers and made its body a stream of the file. */
function fileBody(ctx: S3rverContext): ReadStream | undefined {
  return ctx.method === 'GET' && (ctx.status === 200 || ctx.status === 206) && ctx.body instanceof ReadStream ? ctx.body : undefined;
}

/** Answers a plain presigned GET of a kept object from memory; anything else goes on to s3rver. */
function keptObjectsMiddleware(store: S3rver['store'], cache: ObjectCache) {
  return async (ctx: S3rverContext, next: () => Promise<void>): Promise<void> => {
    const expiry = checkedPresignedExpiry(ctx);
    const target = objectOf(ctx);
    if (expiry === undefined || Date.now() > expiry || !target || !isPlainGet(ctx)) return next();
    const path = store.getResourcePath(target.bucket, target.key, 'object');
    // A stat on this thread: it answers from the kernel's inode cache, without a trip through the thread pool.
    const kept = cache.has(path) ? cache.get(path, statSync(path, { bigint: true, throwIfNoEntry: false })) : undefined;
    if (!kept) return next();
    ctx.respond = false;
    ctx.res.writeHead(200, kept.headers);
    await finish(ctx.res, kept.bytes);
  };
}

function largeChunksMiddleware(cache: ObjectCache) {
  return async (ctx: S3rverContext, next: () => Promise<void>): Promise<void> => {
    const mark = cache.mark();
    await next();
    const stream = fileBody(ctx);
    if (!stream) return;
    // The same file and byte range; s3rver's stream has read nothing yet.
    const { path, start = 0, end = Number.POSITIVE_INFINITY } = stream as ReadStream & { start?: number; end?: number };
    stream.destroy();
    ctx.respond = false;
    const keep: Keep | undefined = isPlainGet(ctx) ? (bytes, stats) => cache.set(String(path), stats, { headers: headersToKeep(ctx), bytes }, mark) : undefined;
    await sendRange(ctx.res, String(path), start, end, cache.largestObject, keep).catch(() => ctx.res.destroy());
  };
}

/** The headers s3rver set for this object's plain GET, to answer the next ones with. */
function headersToKeep(ctx: S3rverContext): OutgoingHttpHeaders {
  const headers = { ...ctx.response.headers };
  for (const name of PER_RESPONSE_HEADERS) delete headers[name];
  return headers;
}

/**
 * Writes bytes `start` to `end` (inclusive, or to the end of the file) of `path`, then ends the
 * response. With `keep`, a whole file of at most `largest` bytes is read into one buffer as it is
 * sent, and handed to `keep` with the file's stats once every byte is sent.
 */
async function sendRange(
  res: ServerResponse, path: string, start: number, end: number, largest: number, keep: Keep | undefined,
): Promise<void> {
  const file = await open(path);
  try {
    const stats = await file.stat({ bigint: true });
    const size = Number(stats.size);
    if (keep && start === 0 && end >= size - 1 && size <= largest) {
      const whole = await sendWhole(res, file, size);
      if (whole) keep(whole, stats);
    } else {
      await sendChunks(res, file, start, end);
    }
  } finally {
    await file.close();
  }
}

/** Reads the whole file into one buffer a chunk at a time, writing each chunk as it arrives; the buffer, if every byte went out. */
async function sendWhole(res: ServerResponse, file: FileHandle, size: number): Promise<Buffer | undefined> {
  const whole = Buffer.allocUnsafe(size);
  const sent = await pump(res, file, 0, size - 1, (_turn, offset) => whole.subarray(offset, offset + CHUNK_BYTES));
  await finish(res);
  return sent === size ? whole : undefined;
}

/** Sends the range through a pair of reused buffers. */
async function sendChunks(res: ServerResponse, file: FileHandle, start: number, end: number): Promise<void> {
  const buffers = idle.pop() ?? [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
  let reusable = false;
  try {
    await pump(res, file, start, end, (turn) => buffers[turn]!);
    // Every write is done with its buffer, so the pair may serve another response.
    reusable = true;
    await finish(res);
  } finally {
    if (reusable && idle.length < MAX_IDLE_PAIRS) idle.push(buffers);
  }
}

/**
 * Reads bytes `start` to `end` of the file into the buffers `into` gives (by turn, 0 or 1, and by
 * offset in the range), writing each as it is read; the bytes sent. Turns alternate, so at most two
 * chunks wait on the socket, and a turn's buffer is read into again only once its last write is done.
 */
async function pump(res: ServerResponse, file: FileHandle, start: number, end: number, into: (turn: number, offset: number) => Buffer): Promise<number> {
  const written: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  let position = start;
  for (let turn = 0; position <= end && !res.destroyed; turn = 1 - turn) {
    await written[turn];
    const buffer = into(turn, position - start);
    const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, end - position + 1), position);
    if (bytesRead === 0) break;
    written[turn] = write(res, buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  await Promise.all(written);
  return position - start;
}

/** One write; whichever of a response's writes fails first ends it, and the others' rejections are handled here. */
function write(res: ServerResponse, bytes: Buffer): Promise<void> {
  const done = new Promise<void>((resolve, reject) => res.write(bytes, (error) => (error ? reject(error) : resolve())));
  done.catch(() => undefined);
  return done;
}

function finish(res: ServerResponse, bytes?: Buffer): Promise<void> {
  return new Promise<void>((resolve) => (bytes ? res.end(bytes, resolve) : res.end(resolve)));
}

/**
 * Extends `server` before it starts listening: GetObject sends its file, or the range asked for, in
 * large reused chunks, keeping whole objects that fit in `cache`.
 */
export function readObjectsInLargeChunks(server: S3rver, cache: ObjectCache): void {
  server.middleware.unshift(largeChunksMiddleware(cache));
}

/**
 * Extends `server` before it starts listening: plain presigned GETs of objects in `cache` are
 * answered from memory. Must run just inside the presigned signature check
 * (./s3rver-presigned-auth.ts), whose verdict it relies on.
 */
export function serveKeptObjects(server: S3rver, cache: ObjectCache): void {
  server.middleware.unshift(keptObjectsMiddleware(server.store, cache));
  // A CopyObject onto itself that replaces the metadata rewrites only the metadata: once it has,
  // what is kept of the object goes, and a GET that read the metadata before must not keep it.
  const { store } = server;
  const putMetadata = store.putMetadata.bind(store);
  store.putMetadata = async (bucket, key, metadata, md5) => {
    try {
      await putMetadata(bucket, key, metadata, md5);
    } finally {
      cache.rewritten(store.getResourcePath(bucket, key, 'object'));
    }
  };
}
