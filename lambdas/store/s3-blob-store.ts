import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  DeleteObjectTaggingCommand, GetObjectCommand, HeadObjectCommand, NotFound, PutObjectCommand, S3Client, type PutObjectCommandInput,
  UploadPartCommand, type UploadPartCommandInput, type UploadPartCommandOutput,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { HttpRequest } from '@smithy/protocol-http';
import type { BuildMiddleware } from '@smithy/types';
import { Readable } from 'node:stream';
import type { BlobStore, PresignedRequest } from './blob-store.js';
import { MultipartRefusedError } from './errors.js';
import { S3ObjectUrls } from './s3-object-urls.js';
import { PENDING_UPLOAD_TAG } from './keys.js';

/** The pending mark as S3 takes it, in `x-amz-tagging` (URL-encoded tags). */
const PENDING_TAGGING = new URLSearchParams({ [PENDING_UPLOAD_TAG.key]: PENDING_UPLOAD_TAG.value }).toString();
/**
 * Headers a presigned PUT signs, so the client must send them: S3 checks the body against the
 * checksum, tags the object from the header (a tag hoisted into the query is not reliably applied),
 * and with `If-None-Match: *` refuses (412) to replace an object already at the key, so a URL sent
 * again cannot overwrite or re-tag what the registry verified and serves.
 */
const SIGNED_PUT_HEADERS = new Set(['x-amz-checksum-sha256', 'x-amz-tagging', 'if-none-match']);

/**
 * Signs a request without hashing its body. The SDK hashes a body held in
 * memory into the signature, which for parts would hash every uploaded byte a
 * second time beside the blob digest Berth computes anyway; the bytes travel
 * over TLS to S3 and their digest is checked before anything refers to them.
 */
const unsignedPayload: BuildMiddleware<UploadPartCommandInput, UploadPartCommandOutput> = (next) => (args) => {
  if (HttpRequest.isInstance(args.request)) args.request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  return next(args);
};

/** What S3 answers a CompleteMultipartUpload whose list of parts does not make the object. */
const REFUSED_PARTS = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall']);

/** The blob store on one S3 bucket. */
export class S3BlobStore implements BlobStore {
  /** Signs blob downloads, the registry's most frequent S3 work, without a command per URL. */
  private readonly downloadUrls: S3ObjectUrls;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** Signs download URLs; may differ from `client` when clients reach S3 at another address. */
    private readonly presignClient: S3Client = client,
  ) {
    this.downloadUrls = new S3ObjectUrls(presignClient, bucket);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
  }

  async get(key: string): Promise<Buffer> {
    const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await result.Body!.transformToByteArray());
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
  protected async putPending(key: string, body: PutObjectCommandInput['Body'], length: number, options: { metadata?: Record<string, string>; abortSignal?: AbortSignal }): Promise<void> {
    const { metadata, abortSignal } = options;
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: length, Tagging: PENDING_TAGGING, ...(metadata ? { Metadata: metadata } : {}) }),
      abortSignal ? { abortSignal } : {},
    );
  }

  async *read(key: string): AsyncIterable<Uint8Array> {
    const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    yield* result.Body as AsyncIterable<Uint8Array>;
  }

  async head(key: string): Promise<number | undefined> {
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return result.ContentLength;
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return undefined;
      // Without s3:ListBucket, which Berth's roles do not hold (lib/permissions.ts), S3 answers a
      // missing key 403 rather than 404; the roles may read every key they look up.
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return this.downloadUrls.presignGet(key, expiresInSeconds);
  }

  async createMultipart(key: string): Promise<string> {
    const result = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, Tagging: PENDING_TAGGING }));
    return result.UploadId!;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, bytes: Uint8Array): Promise<string> {
    const command = new UploadPartCommand({
      Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: bytes, ContentLength: bytes.length,
    });
    command.middlewareStack.add(unsignedPayload, { step: 'build', name: 'berthUnsignedPayload' });
    const result = await this.client.send(command);
    return result.ETag!;
  }

  async completeMultipart(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void> {
    try {
      await this.client.send(new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
      }));
    } catch (error) {
      const { name, message } = error as Error;
      if (name === 'NoSuchUpload') throw new MultipartRefusedError('unknown', message);
      if (REFUSED_PARTS.has(name)) throw new MultipartRefusedError('parts', message);
      throw error;
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      if ((error as Error).name === 'NoSuchUpload') return;
      throw error;
    }
  }

  async presignPut(key: string, sha256Hex: string, size: number, expiresInSeconds: number): Promise<PresignedRequest> {
    const checksum = Buffer.from(sha256Hex, 'hex').toString('base64');
    const command = new PutObjectCommand({
      Bucket: this.bucket, Key: key, ChecksumSHA256: checksum, ContentLength: size, Tagging: PENDING_TAGGING, IfNoneMatch: '*',
    });
    // Unhoisted: headers, not query parameters.
    const url = await getSignedUrl(this.presignClient, command, {
      expiresIn: expiresInSeconds,
      signableHeaders: SIGNED_PUT_HEADERS,
      unhoistableHeaders: SIGNED_PUT_HEADERS,
    });
    return { url, headers: { 'x-amz-checksum-sha256': checksum, 'x-amz-tagging': PENDING_TAGGING, 'if-none-match': '*' } };
  }

  async unmarkPending(key: string): Promise<void> {
    // The pending mark is the only tag Berth sets, so all the object's tags go.
    await this.client.send(new DeleteObjectTaggingCommand({ Bucket: this.bucket, Key: key }));
  }



  async storedSha256(key: string): Promise<string | undefined> {
    const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }));
    // A composite (multipart) checksum ends in -<parts> and is no SHA-256 of the whole object.
    const checksum = result.ChecksumSHA256;
    return checksum && !checksum.includes('-') ? Buffer.from(checksum, 'base64').toString('hex') : undefined;
  }


}
