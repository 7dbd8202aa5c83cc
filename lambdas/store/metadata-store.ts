import type {
  BlobLink, BlobRecord, BlobReference, ManifestRecord, ManifestSummary, Page, ReferrerRecord, RepositoryRecord, StoredManifest, TagRecord,
  UploadSession,
} from './records.js';

/**
 * The most child manifests an index may list. A push records itself in each child in the one
 * transaction that writes it (so a child cannot be deleted under it), and DynamoDB takes 100
 * items per transaction; this leaves room for the repository check, the manifest, its tags and
 * its referrer entry.
 */
export const MAX_INDEX_CHILDREN = 90;

/** A manifest push: the manifest, what it needs in the repository, and the tags to point at it. */
export interface ManifestWrite {
  manifest: ManifestRecord;
  /** Config and layers, which must be in the repository at these sizes when the write commits. */
  blobs: BlobReference[];
  tags: string[];
  /** Indexes the manifest under its subject for the referrers API. */
  referrer?: ReferrerRecord;
  /**
   * Tags that may be created or re-pushed at this digest but never moved from another
   * one; the write fails with ImmutableTagError instead, also against a concurrent push.
   */
  immutableTags?: string[];
}

export interface DeleteRepositoryOptions {
  /** Refuse with RepositoryNotEmptyError when the repository holds any manifest (ECR's DeleteRepository without force). */
  ifEmpty?: boolean;
}

export interface DeleteTagOptions {
  /** Also deletes the manifest when this was its last tag, in the same transaction (ECR's BatchDeleteImage). */
  deleteUntaggedManifest?: boolean;
}

/** Which manifests a listing includes: those with at least one tag, or those with none. */
export type TagStatusFilter = 'TAGGED' | 'UNTAGGED';

/**
 * The metadata port. Conditional writes surface as return values or as the
 * domain errors in ./errors.ts, never as SDK exceptions.
 */
export interface MetadataStore {
  getRepository(name: string): Promise<RepositoryRecord | undefined>;
  /** Returns false when the repository already exists. */
  createRepository(record: RepositoryRecord): Promise<boolean>;
  /**
   * Applies `change` to the repository's current record and saves it, again on
   * fresh data if a concurrent update won. Returns undefined when the repository does not exist.
   */
  updateRepository(name: string, change: (record: RepositoryRecord) => RepositoryRecord): Promise<RepositoryRecord | undefined>;
  /**
   * Deletes the repository with everything in it; returns its record, or undefined when it did
   * not exist. Safe against concurrent writes: once the delete has begun, writes into the
   * repository fail with RepositoryNotFoundError, and a repository created afterwards under the
   * same name starts empty. An interrupted delete is finished by the next one.
   */
  deleteRepository(name: string, options?: DeleteRepositoryOptions): Promise<RepositoryRecord | undefined>;
  /** Repository names in lexical order, strictly after `after`. */
  listRepositories(after: string | undefined, limit: number): Promise<Page<string>>;

  getBlob(digest: string): Promise<BlobRecord | undefined>;
  /** Returns false when a record for the digest already exists. */
  putBlob(record: BlobRecord): Promise<boolean>;
  /**
   * Before an upload's object may be kept: queues it for the garbage collector, which deletes it
   * after its grace period unless the record of `digest` adopted it by then.
   */
  queueUploadObject(objectKey: string, digest: string): Promise<void>;
  /** Repositories that hold the blob, at most `limit`. */
  repositoriesWithBlob(digest: string, limit: number): Promise<string[]>;

  getBlobLink(repository: string, digest: string): Promise<BlobLink | undefined>;
  getBlobLinks(repository: string, digests: string[]): Promise<Map<string, BlobLink>>;
  /**
   * Throws RepositoryNotFoundError when the repository does not exist or is being deleted, and
   * BlobCollectedError when the blob record is gone.
   */
  linkBlob(repository: string, link: BlobLink): Promise<void>;
  /** Returns false when the repository did not hold the blob. */
  unlinkBlob(repository: string, digest: string): Promise<boolean>;

  getTag(repository: string, tag: string): Promise<TagRecord | undefined>;
  /** Tag names in lexical order, strictly after `after`. */
  listTags(repository: string, after: string | undefined, limit: number): Promise<Page<string>>;
  /**
   * Removes the tag, and it from its manifest's tag set, atomically. Returns the digest
   * the tag pointed at, or undefined when the tag did not exist. A manifest an index lists
   * stays, untagged, even with deleteUntaggedManifest.
   */
  deleteTag(repository: string, tag: string, options?: DeleteTagOptions): Promise<string | undefined>;

  getManifest(repository: string, digest: string): Promise<StoredManifest | undefined>;
  getManifests(repository: string, digests: string[]): Promise<Map<string, StoredManifest>>;
  /** Manifests in digest order, strictly after `after`, without their bytes; optionally only tagged or untagged ones. */
  listManifests(repository: string, after: string | undefined, limit: number, filter?: TagStatusFilter): Promise<Page<ManifestSummary>>;
  /**
   * Stores a manifest, points the given tags at it (taking them from the manifests they
   * pointed at), records it in its children's `listedBy` and indexes it as a referrer,
   * atomically, on the condition that the repository, every blob and every child are there
   * when it commits. A re-push keeps the first push time. Throws RepositoryNotFoundError,
   * ReferencesMissingError, ImmutableTagError for an immutable tag at another digest, and
   * TooManyTagChangesError when the changes do not fit one transaction.
   */
  putManifest(repository: string, write: ManifestWrite): Promise<void>;
  /**
   * Deletes a manifest with its tags and referrer entry, and takes it off its children's
   * `listedBy`. Returns the tags it had, or undefined when it did not exist. Throws
   * ManifestReferencedError while an index lists it.
   */
  deleteManifest(repository: string, digest: string): Promise<string[] | undefined>;
  listReferrers(repository: string, subject: string): Promise<ReferrerRecord[]>;
  /**
   * Before a manifest's bytes are written to S3 (manifests/<digest>, shared by every repository):
   * marks the object in use for the garbage collector's grace period, first waiting for a
   * collection of it under way to finish, so that the collector never deletes the bytes this push writes.
   */
  reserveManifestObject(digest: string): Promise<void>;

  createUpload(session: UploadSession): Promise<void>;
  getUpload(id: string): Promise<UploadSession | undefined>;
  /**
   * Takes the session for one request: succeeds only while nobody else holds it
   * and its offset is still `offset`. Throws UploadConflictError otherwise.
   */
  claimUpload(id: string, offset: number, lease: string, leaseUntil: number, now: number): Promise<void>;
  /** Saves the session and releases the lease; throws UploadConflictError if the lease was lost. */
  saveUpload(session: UploadSession, lease: string): Promise<void>;
  deleteUpload(id: string): Promise<void>;
  /** Sessions whose expiry has passed; used by the local sweeper, where no TTL process runs. */
  expiredUploads(now: number, limit: number): Promise<UploadSession[]>;
}
