/** An upload a client makes straight to S3 in one PUT (berth push), until the registry verifies it. */
export interface DirectUploadRecord {
  id: string;
  repository: string;
  digest: string;
  size: number;
  objectKey: string;
  createdAt: string;
  /** Epoch seconds; the table's TTL attribute. */
  expiresAt: number;
}

export interface DirectUploadStore {
  putDirectUpload(record: DirectUploadRecord): Promise<void>;
  getDirectUpload(id: string): Promise<DirectUploadRecord | undefined>;
  /**
   * Deletes the record; true when this call deleted it. Taking the record is the claim on its
   * object: of a completion and the local sweeper, or of two completions, only one goes on with it.
   */
  deleteDirectUpload(id: string): Promise<boolean>;
  /** Records whose expiry has passed; used by the local sweeper, where no TTL process runs. */
  expiredDirectUploads(now: number, limit: number): Promise<DirectUploadRecord[]>;
}
