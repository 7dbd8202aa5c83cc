/** An upload a client makes straight to S3 (berth push), until the registry verifies it. */
export interface DirectUploadRecord {
  id: string;
  repository: string;
  digest: string;
  size: number;
  objectKey: string;
  /** Set when the object is uploaded in parts (above S3's 5 GiB single-PUT limit). */
  multipartUploadId?: string;
  createdAt: string;
  /** Epoch seconds; the table's TTL attribute. */
  expiresAt: number;
}

export interface DirectUploadStore {
  putDirectUpload(record: DirectUploadRecord): Promise<void>;
  getDirectUpload(id: string): Promise<DirectUploadRecord | undefined>;
  deleteDirectUpload(id: string): Promise<void>;
}
