/** The object-storage port: the operations Berth needs from S3. */
export interface BlobStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Buffer>;
  /**
   * Stores a body of known length as it arrives, without holding it in memory; the object is
   * marked pending (PENDING_UPLOAD_TAG), which the bucket's lifecycle rule expires, until unmarkPending.
   */
  putStream(key: string, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, length: number): Promise<void>;
  /**
   * Stores a body of unknown length as it arrives, marked pending as putStream's, where the
   * store can (local mode's writes a file); absent for S3, which takes such a body only in parts.
   */
  putUnsized?(key: string, body: AsyncIterable<Uint8Array>): Promise<void>;
  /** The object's bytes as they are read. */
  read(key: string): AsyncIterable<Uint8Array>;
  /** Size of the object, or undefined when it does not exist (S3 answers 404, or 403 to a caller without s3:ListBucket). */
  head(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  /** A short-lived URL for a GET of the object; S3 serves Range requests on it. */
  presignGet(key: string, expiresInSeconds: number): Promise<string>;

  /**
   * Starts a multipart upload. The object it assembles is marked pending (PENDING_UPLOAD_TAG),
   * which the bucket's lifecycle rule expires, until unmarkPending.
   */
  createMultipart(key: string): Promise<string>;
  /** Returns the part's ETag. */
  uploadPart(key: string, uploadId: string, partNumber: number, bytes: Uint8Array): Promise<string>;
  /** Assembles the parts; MultipartRefusedError when the upload is gone or the parts do not make it. */
  completeMultipart(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void>;
  /** Discards the upload's parts; an upload already gone (aborted or completed) is no error. */
  abortMultipart(key: string, uploadId: string): Promise<void>;

  /**
   * A short-lived URL for a client to PUT the object itself. The SHA-256 is
   * signed into it, so S3 refuses a body that does not match; the client must
   * send the returned headers. The object is marked pending (PENDING_UPLOAD_TAG),
   * which the bucket's lifecycle rule expires, until unmarkPending. The PUT only
   * creates: once the key holds an object, S3 refuses it (412 PreconditionFailed),
   * so the URL used again can neither replace nor re-mark the object.
   */
  presignPut(key: string, sha256Hex: string, size: number, expiresInSeconds: number): Promise<PresignedRequest>;
  /** Removes the pending mark, so the object is kept; before anything refers to it. */
  unmarkPending(key: string): Promise<void>;
  /** The SHA-256 (hex) S3 verified and stored for the object, if it has one. */
  storedSha256(key: string): Promise<string | undefined>;
}

export interface PresignedRequest {
  url: string;
  headers: Record<string, string>;
}
