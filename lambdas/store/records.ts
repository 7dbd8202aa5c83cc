import type { Descriptor } from '../shared/oci-descriptor.js';

/** The records the metadata store keeps, independent of DynamoDB's item shape. */

export type TagMutability = 'MUTABLE' | 'IMMUTABLE' | 'IMMUTABLE_WITH_EXCLUSION' | 'MUTABLE_WITH_EXCLUSION';

/** Settings a repository carries, in ECR's terms. */
export interface RepositorySettings {
  imageTagMutability: TagMutability;
  /** Wildcard patterns of tags that are the exception to imageTagMutability. */
  imageTagMutabilityExclusionFilters: { filterType: 'WILDCARD'; filter: string }[];
  imageScanningConfiguration: { scanOnPush: boolean };
  encryptionConfiguration: { encryptionType: string; kmsKey?: string };
  /** Resource tags (TagResource), in ECR's Key/Value form. */
  tags: { Key: string; Value: string }[];
  policyText?: string;
  lifecyclePolicyText?: string;
  /** When the scheduled job last applied the lifecycle policy. */
  lifecycleEvaluatedAt?: string;
}

export interface RepositoryRecord extends RepositorySettings {
  name: string;
  createdAt: string;
  /** Optimistic-concurrency counter, bumped by every update, by every blob unlink and when a delete begins. */
  version: number;
}

export interface BlobRecord {
  digest: string;
  size: number;
  objectKey: string;
  createdAt: string;
}

/** A repository's permission to serve a blob, with what a download needs. */
export interface BlobLink {
  digest: string;
  size: number;
  objectKey: string;
}

/** Where a manifest's bytes are: inline when they fit in an item, else in S3. */
export type ManifestContent = { body: Buffer; objectKey?: undefined } | { body?: undefined; objectKey: string };

/** What image listings (ECR's ListImages, DescribeImages) show of a manifest: all but its bytes and references. */
export interface ManifestFields {
  digest: string;
  mediaType: string;
  size: number;
  /** When the manifest was first pushed; a re-push keeps it. */
  pushedAt: string;
  /**
   * ECR's imageSizeInBytes: config plus stored layers for an image manifest; for
   * an index, the largest of its children's (as ECR documents for manifest lists).
   */
  imageSize: number;
  /** Media type of an image manifest's config (ECR's artifactMediaType); absent for indexes. */
  configMediaType?: string;
  subject?: string;
  artifactType?: string;
}

/**
 * A manifest as stored. Its blob digests are not kept: an image may list thousands, more than
 * an item holds, and its bytes say which they are.
 */
export type ManifestRecord = ManifestContent & ManifestFields & {
  /** Digests of child manifests (indexes only); each child records this index in its `listedBy`. */
  children: string[];
};

/**
 * A manifest as read back: with the tags that point at it and the indexes that list it,
 * each kept on its item as a string set. A manifest an index lists cannot be deleted.
 */
export type StoredManifest = ManifestRecord & { tags: string[]; listedBy: string[] };

/** A blob a manifest needs in its repository, with the size its descriptor declares. */
export interface BlobReference {
  digest: string;
  size: number;
}

/** A manifest in a listing, with its tags in lexical order. */
export type ManifestSummary = ManifestFields & { tags: string[] };

export type TagRecord = ManifestContent & {
  tag: string;
  digest: string;
  mediaType: string;
  size: number;
  updatedAt: string;
};

export interface ReferrerRecord {
  subject: string;
  descriptor: Descriptor;
}

export interface MultipartState {
  uploadId: string;
  objectKey: string;
  parts: { partNumber: number; etag: string }[];
}

export interface UploadSession {
  id: string;
  repository: string;
  /** Bytes received so far. */
  offset: number;
  /** Saved SHA-256 state over the bytes received so far; unused while `whole` holds them. */
  hashState: Uint8Array;
  /** Received bytes not yet sent as a multipart part (S3 parts must be ≥ 5 MiB). */
  pending?: { objectKey: string; size: number };
  multipart?: MultipartState;
  /**
   * Every byte received so far, as one object with its digest: what one
   * streamed request of known length left (neither parts nor pending then).
   */
  whole?: { objectKey: string; size: number; digest: string };
  createdAt: string;
  /** Epoch seconds; the table's TTL attribute. */
  expiresAt: number;
}

export interface Page<T> {
  items: T[];
  /** True when more items follow the last one returned. */
  more: boolean;
}
