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
}
