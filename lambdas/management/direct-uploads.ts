import { randomUUID } from 'node:crypto';
import { BlobWriter } from '../registry/blobs/blob-writer.js';
import type { BlobStore, PresignedRequest } from '../store/blob-store.js';
import type { DirectUploadRecord, DirectUploadStore } from '../store/direct-upload-store.js';
import { objectKeys } from '../store/keys.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { BlobLink } from '../store/records.js';
import type { DirectUploadSizes } from '../registry/config.js';

/** S3 takes at most 5 GiB in one PUT. */
const S3_SIZES: Pick<DirectUploadSizes, 'singlePutMaxBytes'> = { singlePutMaxBytes: 5 * 1024 ** 3 };
/** A direct upload may take this long before the client completes it. */
const UPLOAD_SECONDS = 24 * 3600;

export interface UploadPlan {
  uploadId: string;
  put: PresignedRequest;
}

export class DirectUploadError extends Error {
  constructor(readonly reason: 'unknown' | 'mismatch' | 'tooLarge', message: string) {
    super(message);
    this.name = 'DirectUploadError';
  }
}

/**
 * Uploads that clients make straight to S3 through one presigned PUT, so layer
 * bytes never pass API Gateway's request limit. Nothing becomes visible until
 * the registry has confirmed the digest from the SHA-256 that S3 verified
 * against the one signed into the URL: completing reads nothing back. A URL
 * stays valid for a while after use, yet cannot touch the object once it
 * exists: the PUT only creates (BlobStore.presignPut), and it carries the
 * pending mark. Blobs above one PUT's limit go through the registry's upload
 * API instead, whose upload gateway hashes them as they stream in.
 */
export class DirectUploads {
  private readonly writer: BlobWriter;

  constructor(
    store: MetadataStore,
    private readonly uploads: DirectUploadStore,
    private readonly blobs: BlobStore,
    private readonly urlSeconds: number,
    private readonly now: () => Date,
    private readonly sizes: Pick<DirectUploadSizes, 'singlePutMaxBytes'> = S3_SIZES,
  ) {
    this.writer = new BlobWriter(store, blobs, now);
  }

  async start(repository: string, digest: string, size: number): Promise<UploadPlan> {
    if (size > this.sizes.singlePutMaxBytes) {
      throw new DirectUploadError('tooLarge', `a direct upload takes blobs of up to ${this.sizes.singlePutMaxBytes} bytes, one PUT to storage, not ${size}; `
        + `upload larger blobs through the registry's upload API (POST /v2/${repository}/blobs/uploads/, then PATCH and PUT ?digest= to the Location it answers), as berth push does`);
    }
    const id = randomUUID();
    const objectKey = objectKeys.assembledBlob(id);
    const record: DirectUploadRecord = {
      id, repository, digest, size, objectKey,
      createdAt: this.now().toISOString(),
      expiresAt: Math.floor(this.now().getTime() / 1000) + UPLOAD_SECONDS,
    };
    await this.uploads.putDirectUpload(record);
    return { uploadId: id, put: await this.blobs.presignPut(objectKey, digest.slice('sha256:'.length), size, this.urlSeconds) };
  }

  /**
   * Verifies the uploaded object and makes it a blob of the repository; a wrong digest leaves nothing.
   * Until then the object is marked pending, so the bucket's lifecycle rule expires it if the client
   * never completes the upload.
   */
  async complete(repository: string, id: string): Promise<BlobLink> {
    const record = await this.uploads.getDirectUpload(id);
    if (!record || record.repository !== repository || record.expiresAt * 1000 < this.now().getTime()) throw unknownUpload(repository, id);
    const size = await this.blobs.head(record.objectKey);
    if (size === undefined) throw new DirectUploadError('mismatch', `nothing was uploaded for ${record.digest}; PUT the blob to the URL first`);
    const verified = size === record.size ? await this.blobs.storedSha256(record.objectKey) : undefined;
    // Another completion of this upload, or the local sweeper, took the record meanwhile: the object is theirs.
    if (!(await this.uploads.deleteDirectUpload(id))) throw unknownUpload(repository, id);
    if (verified === undefined || `sha256:${verified}` !== record.digest) {
      await this.blobs.delete(record.objectKey);
      throw new DirectUploadError('mismatch', size !== record.size
        ? `the upload has ${size} bytes, not the ${record.size} announced; nothing was stored`
        : verified === undefined
          // Only an object stored without the URL's signed checksum lacks one; reading it back is what this design avoids.
          ? `storage verified no SHA-256 for the upload; PUT it with the headers the plan names; nothing was stored`
          : `the upload's digest is sha256:${verified}, not ${record.digest}; nothing was stored`);
    }
    return this.writer.adoptVerifiedObject(repository, record.digest, size, record.objectKey);
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
    await this.blobs.delete(record.objectKey);
  }
}

function unknownUpload(repository: string, id: string): DirectUploadError {
  return new DirectUploadError('unknown', `upload ${id} is unknown to repository ${repository} or has expired; start again`);
}
