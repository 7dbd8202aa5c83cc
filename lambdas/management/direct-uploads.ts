import { randomUUID } from 'node:crypto';
import { BlobWriter } from '../registry/blobs/blob-writer.js';
import type { BlobStore, PresignedRequest } from '../store/blob-store.js';
import type { DirectUploadRecord, DirectUploadStore } from '../store/direct-upload-store.js';
import { MultipartRefusedError } from '../store/errors.js';
import { objectKeys } from '../store/keys.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { BlobLink } from '../store/records.js';
import type { DirectUploadSizes } from '../registry/config.js';

/** S3 takes at most 5 GiB in one PUT; above it, parts of at least 64 MiB (fewer, larger requests than S3's 5 MiB minimum). */
const S3_SIZES: DirectUploadSizes = { singlePutMaxBytes: 5 * 1024 ** 3, minPartBytes: 64 * 1024 ** 2 };
/** Never more parts than S3 takes. */
const MAX_PARTS = 10_000;
/** A direct upload may take this long before the client completes it. */
const UPLOAD_SECONDS = 24 * 3600;

export type UploadPlan =
  | { uploadId: string; put: PresignedRequest }
  | { uploadId: string; partSize: number; parts: { partNumber: number; url: string }[] };

export class DirectUploadError extends Error {
  constructor(readonly reason: 'unknown' | 'mismatch' | 'parts', message: string) {
    super(message);
    this.name = 'DirectUploadError';
  }
}

/**
 * Uploads that clients make straight to S3 through presigned URLs, so layer
 * bytes never pass API Gateway's request limit. Nothing becomes visible until
 * the registry has confirmed the digest: from S3's verified checksum where the
 * upload carried one, otherwise by reading the object. The URLs stay valid for a
 * while after use, yet cannot touch the object once it exists: a single PUT only
 * creates (BlobStore.presignPut), and part URLs name a multipart upload that
 * completing ends; the pending mark comes from the PUT or from starting the
 * multipart upload, which only the registry does.
 */
export class DirectUploads {
  private readonly writer: BlobWriter;

  constructor(
    store: MetadataStore,
    private readonly uploads: DirectUploadStore,
    private readonly blobs: BlobStore,
    private readonly urlSeconds: number,
    private readonly now: () => Date,
    private readonly sizes: DirectUploadSizes = S3_SIZES,
  ) {
    this.writer = new BlobWriter(store, blobs, now);
  }

  async start(repository: string, digest: string, size: number): Promise<UploadPlan> {
    const id = randomUUID();
    const objectKey = objectKeys.assembledBlob(id);
    const record: DirectUploadRecord = {
      id, repository, digest, size, objectKey,
      createdAt: this.now().toISOString(),
      expiresAt: Math.floor(this.now().getTime() / 1000) + UPLOAD_SECONDS,
    };
    const hex = digest.slice('sha256:'.length);
    if (size <= this.sizes.singlePutMaxBytes) {
      await this.uploads.putDirectUpload(record);
      return { uploadId: id, put: await this.blobs.presignPut(objectKey, hex, size, this.urlSeconds) };
    }
    const partSize = Math.max(this.sizes.minPartBytes, Math.ceil(size / MAX_PARTS / 1024 ** 2) * 1024 ** 2);
    const multipartUploadId = await this.blobs.createMultipart(objectKey, { pending: true });
    await this.uploads.putDirectUpload({ ...record, multipartUploadId });
    const count = Math.ceil(size / partSize);
    const parts = await Promise.all(Array.from({ length: count }, async (_, index) => ({
      partNumber: index + 1,
      url: await this.blobs.presignUploadPart(objectKey, multipartUploadId, index + 1, this.urlSeconds),
    })));
    return { uploadId: id, partSize, parts };
  }

  /**
   * Verifies the uploaded object and makes it a blob of the repository; a wrong digest leaves nothing.
   * Until then the object is marked pending, so the bucket's lifecycle rule expires it if the client
   * never completes the upload.
   */
  async complete(repository: string, id: string, parts: { partNumber: number; etag: string }[]): Promise<BlobLink> {
    const record = await this.uploads.getDirectUpload(id);
    if (!record || record.repository !== repository || record.expiresAt * 1000 < this.now().getTime()) throw unknownUpload(repository, id);
    if (record.multipartUploadId) await this.assemble(record, record.multipartUploadId, parts);
    const size = await this.blobs.head(record.objectKey);
    if (size === undefined) throw new DirectUploadError('mismatch', `nothing was uploaded for ${record.digest}; PUT the blob to the URL first`);
    const actual = size === record.size ? `sha256:${(await this.blobs.storedSha256(record.objectKey)) ?? (await this.blobs.computeSha256(record.objectKey))}` : undefined;
    // Another completion of this upload, or the local sweeper, took the record meanwhile: the object is theirs.
    if (!(await this.uploads.deleteDirectUpload(id))) throw unknownUpload(repository, id);
    if (actual !== record.digest) {
      await this.blobs.delete(record.objectKey);
      throw new DirectUploadError('mismatch', actual === undefined
        ? `the upload has ${size} bytes, not the ${record.size} announced; nothing was stored`
        : `the upload's digest is ${actual}, not ${record.digest}; nothing was stored`);
    }
    // Unmarked before it is adopted: adopted first, a crash in between would leave a blob the
    // lifecycle rule deletes; this way it leaves at worst an unreferenced object.
    await this.blobs.unmarkPending(record.objectKey);
    return this.writer.adoptVerifiedObject(repository, record.digest, size, record.objectKey);
  }

  private async assemble(record: DirectUploadRecord, multipartUploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void> {
    try {
      await this.blobs.completeMultipart(record.objectKey, multipartUploadId, parts);
    } catch (error) {
      if (!(error instanceof MultipartRefusedError)) throw error;
      // Another completion of this upload assembled it first, or it was dropped.
      if (error.reason === 'unknown') throw unknownUpload(record.repository, record.id);
      // S3 keeps the parts: the client may complete again with the right list.
      throw new DirectUploadError('parts', `the parts listed do not make upload ${record.id}: ${error.message}; complete it with the partNumber and eTag of each part, in order`);
    }
  }

  /** Uploads expired before `nowSeconds` (epoch), for the local sweeper; a scan, which AWS leaves to DynamoDB's TTL. */
  expired(nowSeconds: number, limit: number): Promise<DirectUploadRecord[]> {
    return this.uploads.expiredDirectUploads(nowSeconds, limit);
  }

  /**
   * Drops an upload never completed, with what the client sent: the local sweeper's stand-in for
   * DynamoDB's TTL and the bucket's lifecycle rules. Nothing, if a completion took it meanwhile.
   */
  async discard(record: DirectUploadRecord): Promise<void> {
    if (!(await this.uploads.deleteDirectUpload(record.id))) return;
    if (record.multipartUploadId) await this.blobs.abortMultipart(record.objectKey, record.multipartUploadId);
    // Also after an abort: a completion may have assembled the object before it failed.
    await this.blobs.delete(record.objectKey);
  }
}

function unknownUpload(repository: string, id: string): DirectUploadError {
  return new DirectUploadError('unknown', `upload ${id} is unknown to repository ${repository} or has expired; start again`);
}
