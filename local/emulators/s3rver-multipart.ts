import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import type S3rver from 's3rver';
import type { S3rverStore } from 's3rver';
import S3Error from 's3rver/lib/models/error.js';
import { MultipartLayout, type PartRecord } from './multipart-layout.js';

/**
 * S3's checks on multipart uploads, which s3rver skips: a part for an upload that was never
 * started (or is over), and a completion that names missing parts, parts out of order, other
 * ETags or parts under 5 MiB before the last, are refused with S3's errors rather than failing
 * as a server error or assembling whatever the files hold; AbortMultipartUpload, which s3rver
 * lacks, removes an upload. Parts are kept as ./multipart-layout.ts lays them out. One difference stays: S3 answers a repeated completion
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

/** AbortMultipartUpload: the upload's parts and what s3rver kept of it go. */
export async function abortUpload(store: S3rverStore, bucket: string, uploadId: unknown): Promise<void> {
  const directory = await openUpload(store, bucket, uploadId);
  layout.forget(directory);
  await rm(directory, { recursive: true, force: true });
}

/** How this process lays out the parts of the uploads it receives. */
const layout = new MultipartLayout();

/** The list first, then each part, as S3 checks them; the records of the parts named. */
async function checkParts(directory: string, parts: { number: number; etag: string }[]): Promise<{ partNumber: number; record: PartRecord }[]> {
  if (parts.some((part, index) => index > 0 && part.number <= parts[index - 1]!.number)) {
    throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
  }
  const records = [];
  for (const [index, part] of parts.entries()) {
    const record = await layout.record(directory, part.number);
    if (record?.etag !== part.etag) {
      throw new S3Error('InvalidPart', "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
    }
    if (index < parts.length - 1 && record.size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
    }
    records.push({ partNumber: part.number, record });
  }
  return records;
}

/**
 * CompleteMultipartUpload as S3 does it: the parts' bytes joined in order,
 * with the ETag S3 gives a multipart object (the MD5 of the parts' ETags, and
 * the number of parts) and no hash of the whole. s3rver streamed the whole
 * object back through its putObject, MD5 and all, which made completing a
 * large upload cost as much as sending it again.
 */
async function assemble(store: S3rverStore, bucket: string, directory: string, parts: { partNumber: number; record: PartRecord }[]): Promise<{ size: number; md5: string }> {
  const [key, metadata] = await Promise.all([
    readFile(join(directory, 'key'), 'utf8'),
    readFile(join(directory, 'metadata'), 'utf8').then((text) => JSON.parse(text) as Record<string, string>),
  ]);
  const path = store.getResourcePath(bucket, key, 'object');
  await mkdir(dirname(path), { recursive: true });
  await layout.join(directory, parts, path);
  const md5 = `${createHash('md5').update(Buffer.concat(parts.map(({ record }) => Buffer.from(record.etag, 'hex')))).digest('hex')}-${parts.length}`;
  await store.putMetadata(bucket, key, metadata, md5);
  layout.forget(directory);
  await rm(directory, { recursive: true, force: true });
  return { size: parts.reduce((total, { record }) => total + record.size, 0), md5 };
}

/** The length of a part's body when its request declares it; aws-chunked framing counts in Content-Length, so not then. */
function declaredLength(content: IncomingMessage): number | undefined {
  const length = content.headers['content-length'];
  if (length === undefined || /aws-chunked/.test(content.headers['content-encoding'] ?? '')) return undefined;
  return Number(length);
}

/** Extends `server` before it starts listening. */
export function checkMultipartUploads(server: S3rver): void {
  const { store } = server;
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const directory = await openUpload(store, bucket, uploadId);
    const request = content as IncomingMessage;
    const record = await layout.write(directory, Number(partNumber), request, declaredLength(request));
    return { size: record.size, md5: record.etag };
  };
  store.putObjectMultipart = async (bucket, uploadId, parts) => {
    const directory = await openUpload(store, bucket, uploadId);
    return assemble(store, bucket, directory, await checkParts(directory, parts));
  };
}
