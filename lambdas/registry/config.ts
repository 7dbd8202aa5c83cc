/** Settings of the registry app, parsed once per cold start (see ../shared/config.ts). */
export interface RegistryConfig {
  /** Pushing to a missing repository creates it, as ECR's CREATE_ON_PUSH does. */
  createOnPush: boolean;
  /** Lifetime of presigned blob download URLs. */
  downloadUrlSeconds: number;
  /**
   * How long an instance keeps the blob links a manifest GET read ahead for the blob GETs of the
   * pull that follows (see blobs/read-ahead-links.ts); 0, or absent, reads each blob's link.
   */
  readAheadSeconds?: number;
  /** Lifetime of an unfinished upload session. */
  uploadTtlSeconds: number;
  /** Largest request body a request may carry (see ../shared/limits.ts). */
  maxRequestBodyBytes: number;
  /**
   * The upload gateway's base URL: upload sessions started on the API continue
   * there, with no request-size limit. Without it, uploads stay on the API.
   */
  uploadGatewayUrl?: string;
  /** Size of the parts uploads go to S3 in (at least 5 MiB, S3's minimum); 5 MiB when absent. */
  uploadPartBytes?: number;
  /** How direct uploads split blobs; S3's limits when absent (see ../management/direct-uploads.ts). */
  directUploadSizes?: DirectUploadSizes;
}

export interface DirectUploadSizes {
  /** Largest blob sent in one PUT; larger ones go through the registry's upload API. */
  singlePutMaxBytes: number;
}
