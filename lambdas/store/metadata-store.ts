import type {
  BlobLink, BlobRecord, ManifestRecord, ManifestSummary, Page, ReferrerRecord, RepositoryRecord, StoredManifest, TagRecord,
  UploadSession,
} from './records.js';

export interface PutManifestOptions {
  /**
   * Tags that may be created or re-pushed at this digest but never moved from another
   * one; the write fails with ImmutableTagError instead, also against a concurrent push.
   */
  immutableTags?: string[];
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
  /** Whether the repository holds any manifest. */
  hasManifests(name: string): Promise<boolean>;
  /** Deletes the repository with everything in it; returns its record, or undefined when it did not exist. */
  deleteRepository(name: string): Promise<RepositoryRecord | undefined>;
  /** Repository names in lexical order, strictly after `after`. */
  listRepositories(after: string | undefined, limit: number): Promise<Page<string>>;

  getBlob(digest: string): Promise<BlobRecord | undefined>;
  /** Returns false when a record for the digest already exists. */
  putBlob(record: BlobRecord): Promise<boolean>;
  /** Repositories that hold the blob, at most `limit`. */
  repositoriesWithBlob(digest: string, limit: number): Promise<string[]>;

  getBlobLink(repository: string, digest: string): Promise<BlobLink | undefined>;
  getBlobLinks(repository: string, digests: string[]): Promise<Map<string, BlobLink>>;
  linkBlob(repository: string, link: BlobLink): Promise<void>;
  /** Returns false when the repository did not hold the blob. */
  unlinkBlob(repository: string, digest: string): Promise<boolean>;

  getTag(repository: string, tag: string): Promise<TagRecord | undefined>;
  /** Tag names in lexical order, strictly after `after`. */
  listTags(repository: string, after: string | undefined, limit: number): Promise<Page<string>>;
  /**
   * Removes the tag, and it from its manifest's tag set, atomically. Returns the digest
   * the tag pointed at, or undefined when the tag did not exist.
   */
  deleteTag(repository: string, tag: string, options?: DeleteTagOptions): Promise<string | undefined>;

  getManifest(repository: string, digest: string): Promise<StoredManifest | undefined>;
  getManifests(repository: string, digests: string[]): Promise<Map<string, StoredManifest>>;
  /** Manifests in digest order, strictly after `after`, without their bytes; optionally only tagged or untagged ones. */
  listManifests(repository: string, after: string | undefined, limit: number, filter?: TagStatusFilter): Promise<Page<ManifestSummary>>;
  /**
   * Stores a manifest, points the given tags at it (taking them from the manifests they
   * pointed at) and indexes it as a referrer, atomically. A re-push keeps the first push time.
   * Throws ImmutableTagError for an immutable tag at another digest, and
   * TooManyTagChangesError when the changes do not fit one transaction.
   */
  putManifest(repository: string, manifest: ManifestRecord, tags: string[], referrer?: ReferrerRecord, options?: PutManifestOptions): Promise<void>;
  /** Deletes a manifest with its tags and referrer entry. Returns the tags it had, or undefined when it did not exist. */
  deleteManifest(repository: string, digest: string): Promise<string[] | undefined>;
  listReferrers(repository: string, subject: string): Promise<ReferrerRecord[]>;

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
