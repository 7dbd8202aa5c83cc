/** The object-storage port: the operations Berth needs from S3. */
export interface BlobStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** Size of the object, or undefined when it does not exist. */
  head(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  /** A short-lived URL for a GET of the object; S3 serves Range requests on it. */
  presignGet(key: string, expiresInSeconds: number): Promise<string>;

  createMultipart(key: string): Promise<string>;
  /** Returns the part's ETag. */
  uploadPart(key: string, uploadId: string, partNumber: number, bytes: Uint8Array): Promise<string>;
  completeMultipart(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void>;
  abortMultipart(key: string, uploadId: string): Promise<void>;

  /**
   * A short-lived URL for a client to PUT the object itself. The SHA-256 is
   * signed into it, so S3 refuses a body that does not match; the client must
   * send the returned headers.
   */
  presignPut(key: string, sha256Hex: string, size: number, expiresInSeconds: number): Promise<PresignedRequest>;
  /** A short-lived URL for a client to upload one part of a multipart upload itself. */
  presignUploadPart(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string>;
  /** The SHA-256 (hex) S3 verified and stored for the object, if it has one. */
  storedSha256(key: string): Promise<string | undefined>;
  /** Reads the object through and returns its SHA-256 (hex). */
  computeSha256(key: string): Promise<string>;
}

export interface PresignedRequest {
  url: string;
  headers: Record<string, string>;
}
