import { Readable } from 'node:stream';
import { isAwsError } from '../aws/aws-error.js';
import type { S3Api } from '../aws/s3.js';
import type { BlobStore, PresignedRequest } from './blob-store.js';
import { MultipartRefusedError } from './errors.js';
import { PENDING_UPLOAD_TAG } from './keys.js';

/** The pending mark as S3 takes it, in `x-amz-tagging` (URL-encoded tags). */
const PENDING_TAGGING = new URLSearchParams({ [PENDING_UPLOAD_TAG.key]: PENDING_UPLOAD_TAG.value }).toString();

/** What S3 answers a CompleteMultipartUpload whose list of parts does not make the object. */
const REFUSED_PARTS = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall']);

/** The blob store on one S3 bucket. */
export class S3BlobStore implements BlobStore {
  constructor(
    private readonly client: S3Api,
    private readonly bucket: string,
    /** Signs download and upload URLs; may differ from `client` when clients reach S3 at another address. */
    private readonly presignClient: S3Api = client,
  ) {}

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.client.putObject({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.length });
  }

  async get(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.client.getObject(this.bucket, key)) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  }

  async putStream(key: string, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, length: number): Promise<void> {
    // A body that fails (its client went away) ends the PUT at once; S3 keeps nothing of it.
    const abort = new AbortController();
    const source = Readable.from(body);
    let failure: unknown;
    source.on('error', (error) => {
      failure = error;
      abort.abort();
    });
    try {
      await this.putPending(key, source, length, { abortSignal: abort.signal });
    } catch (error) {
      throw failure ?? error;
    }
  }

  /** A PutObject of `body`, marked pending as putStream's, with user metadata when given. */
  protected async putPending(key: string, body: Uint8Array | NodeJS.ReadableStream, length: number, options: { metadata?: Record<string, string>; abortSignal?: AbortSignal }): Promise<void> {
    const { metadata, abortSignal } = options;
    await this.client.putObject({ Bucket: this.bucket, Key: key, Body: body, ContentLength: length, Tagging: PENDING_TAGGING, ...(metadata ? { Metadata: metadata } : {}) }, abortSignal);
  }

  async *read(key: string): AsyncIterable<Uint8Array> {
    yield* await this.client.getObject(this.bucket, key);
  }

  async head(key: string): Promise<number | undefined> {
    try {
      return (await this.client.headObject(this.bucket, key)).ContentLength;
    } catch (error) {
      // Without s3:ListBucket, which Berth's roles do not hold (lib/permissions.ts), S3 answers a
      // missing key 403 rather than 404; the roles may read every key they look up.
      if (isAwsError(error, 'NotFound') || isAwsError(error, 'Forbidden')) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.deleteObject(this.bucket, key);
  }

  presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return this.presignClient.presign('GetObject', this.bucket, key, { expiresInSeconds });
  }

  async createMultipart(key: string): Promise<string> {
    return this.client.createMultipartUpload(this.bucket, key, { Tagging: PENDING_TAGGING });
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, bytes: Uint8Array): Promise<string> {
    return this.client.uploadPart(this.bucket, key, uploadId, partNumber, bytes);
  }

  async completeMultipart(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void> {
    try {
      await this.client.completeMultipartUpload(this.bucket, key, uploadId, parts);
    } catch (error) {
      const { name, message } = error as Error;
      if (name === 'NoSuchUpload') throw new MultipartRefusedError('unknown', message);
      if (REFUSED_PARTS.has(name)) throw new MultipartRefusedError('parts', message);
      throw error;
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.abortMultipartUpload(this.bucket, key, uploadId);
    } catch (error) {
      if (isAwsError(error, 'NoSuchUpload')) return;
      throw error;
    }
  }

  /**
   * A PUT whose headers are signed, so the client must send them: S3 checks the body against the
   * length and checksum, tags the object from the header (a tag hoisted into the query is not
   * reliably applied), and with `If-None-Match: *` refuses (412) to replace an object already at
   * the key, so a URL sent again cannot overwrite or re-tag what the registry verified and serves.
   */
  async presignPut(key: string, sha256Hex: string, size: number, expiresInSeconds: number): Promise<PresignedRequest> {
    const headers = { 'x-amz-checksum-sha256': Buffer.from(sha256Hex, 'hex').toString('base64'), 'x-amz-tagging': PENDING_TAGGING, 'if-none-match': '*' };
    const url = await this.presignClient.presign('PutObject', this.bucket, key, { expiresInSeconds, headers: { ...headers, 'content-length': String(size) } });
    return { url, headers };
  }

  async unmarkPending(key: string): Promise<void> {
    // The pending mark is the only tag Berth sets, so all the object's tags go.
    await this.client.deleteObjectTagging(this.bucket, key);
  }


  async storedSha256(key: string): Promise<string | undefined> {
    const result = await this.client.headObject(this.bucket, key, { checksum: true });
    // A composite (multipart) checksum ends in -<parts> and is no SHA-256 of the whole object.
    const checksum = result.ChecksumSHA256;
    return checksum && !checksum.includes('-') ? Buffer.from(checksum, 'base64').toString('hex') : undefined;
  }

}
