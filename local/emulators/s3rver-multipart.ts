import { createHash, randomUUID } from 'node:crypto';
import { access, appendFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type S3rver from 's3rver';
import type { S3rverStore } from 's3rver';
import S3Error from 's3rver/lib/models/error.js';
import type { ObjectWriters } from './object-writers.js';

/**
 * S3's checks on multipart uploads, which s3rver skips: a part for an upload that was never
 * started (or is over), and a completion that names missing parts, parts out of order, other
 * ETags or parts under 5 MiB before the last, are refused with S3's errors rather than failing
 * as a server error or assembling whatever the files hold; AbortMultipartUpload, which s3rver
 * lacks, removes an upload. Parts are written and hashed by the
 * writer threads, as PutObject bodies are. One difference stays: S3 answers a repeated completion
 * of an upload it assembled as it answered the first, for a while; here it is NoSuchUpload.
 * Berth never completes an upload twice: a session completes under its lease, then goes.
 */

/** S3's smallest part, except the last. */
const MIN_PART_BYTES = 5 * 1024 * 1024;

/** Where s3rver keeps a multipart upload (its parts, key and starting headers); undefined for an ID it never issues. */
export function uploadDirectory(store: S3rverStore, bucket: string, uploadId: unknown): string | undefined {
  // s3rver's IDs are hex; anything else could name a path outside the bucket.
  return typeof uploadId === 'string' && /^[0-9a-f]+$/.test(uploadId) ? join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId) : undefined;
}

function noSuchUpload(uploadId: unknown): S3Error {
  return new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: String(uploadId) });
}

/** The directory of an upload in progress; NoSuchUpload otherwise. */
async function openUpload(store: S3rverStore, bucket: string, uploadId: unknown): Promise<string> {
  const directory = uploadDirectory(store, bucket, uploadId);
  // s3rver writes the upload's key when it starts it, and removes the directory when it ends.
  if (!directory || !(await access(join(directory, 'key')).then(() => true, () => false))) throw noSuchUpload(uploadId);
  return directory;
}

/** The list first, then each part, as S3 checks them. */
/** AbortMultipartUpload: the upload's parts and what s3rver kept of it go. */
export async function abortUpload(store: S3rverStore, bucket: string, uploadId: unknown): Promise<void> {
  await rm(await openUpload(store, bucket, uploadId), { recursive: true, force: true });
}

async function checkParts(directory: string, parts: { number: number; etag: string }[]): Promise<void> {
  if (parts.some((part, index) => index > 0 && part.number <= parts[index - 1]!.number)) {
    throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
  }
  for (const [index, part] of parts.entries()) {
    const md5 = await readFile(join(directory, `${part.number}.md5`), 'utf8').catch(() => undefined);
    if (md5 !== part.etag) {
      throw new S3Error('InvalidPart', "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
    }
    if (index < parts.length - 1 && (await stat(join(directory, String(part.number)))).size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
    }
  }
}

/**
 * CompleteMultipartUpload as S3 does it: the parts' bytes joined in order,
 * with the ETag S3 gives a multipart object (the MD5 of the parts' MD5s, and
 * the number of parts) and no hash of the whole. s3rver streamed the whole
 * object back through its putObject, MD5 and all, which made completing a
 * large upload cost as much as sending it again.
 */
async function assemble(store: S3rverStore, bucket: string, directory: string, parts: { number: number }[]): Promise<{ size: number; md5: string }> {
  const [key, metadata] = await Promise.all([
    readFile(join(directory, 'key'), 'utf8'),
    readFile(join(directory, 'metadata'), 'utf8').then((text) => JSON.parse(text) as Record<string, string>),
  ]);
  const path = store.getResourcePath(bucket, key, 'object');
  const partial = `${path}.partial-${randomUUID()}`;
  await mkdir(dirname(path), { recursive: true });
  const md5s: Buffer[] = [];
  let size = 0;
  try {
    for (const part of parts) {
      const bytes = await readFile(join(directory, String(part.number)));
      await appendFile(partial, bytes);
      size += bytes.length;
      md5s.push(Buffer.from(await readFile(join(directory, `${part.number}.md5`), 'utf8'), 'hex'));
    }
    // Whole before it is in place: a reader never sees a partly joined object.
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const md5 = `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${parts.length}`;
  await store.putMetadata(bucket, key, metadata, md5);
  await rm(directory, { recursive: true, force: true });
  return { size, md5 };
}

/** Extends `server` before it starts listening; its parts go to `writers`. */
export function checkMultipartUploads(server: S3rver, writers: ObjectWriters): void {
  const { store } = server;
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const path = join(await openUpload(store, bucket, uploadId), String(partNumber));
    const written = await writers.replace(path, content as Readable, ['md5']);
    await writeFile(`${path}.md5`, written.digests.md5!);
    return { size: written.size, md5: written.digests.md5! };
  };
  store.putObjectMultipart = async (bucket, uploadId, parts) => {
    const directory = await openUpload(store, bucket, uploadId);
    await checkParts(directory, parts);
    return assemble(store, bucket, directory, parts);
  };
}
