import type { DynamoDocuments } from '../aws/dynamodb.js';
import { DynamoBlobs } from './dynamo-blobs.js';
import { DynamoImages } from './dynamo-images.js';
import { DynamoRepositories } from './dynamo-repositories.js';
import { DynamoTable } from './dynamo-table.js';
import { DynamoUploads } from './dynamo-uploads.js';
import type { DeleteRepositoryOptions, DeleteTagOptions, ManifestWrite, MetadataStore, TagStatusFilter } from './metadata-store.js';
import type {
  BlobLink, BlobRecord, ManifestSummary, Page, ReferrerRecord, RepositoryRecord, StoredManifest, TagRecord, UploadSession,
} from './records.js';

/**
 * The metadata store on one DynamoDB table (see ./keys.ts for the key tree), one part per
 * aggregate: repositories (which guard every write into them), blobs, images and tags, uploads.
 */
export class DynamoMetadataStore implements MetadataStore {
  private readonly repositories: DynamoRepositories;
  private readonly blobs: DynamoBlobs;
  private readonly images: DynamoImages;
  private readonly uploads: DynamoUploads;

  constructor(client: DynamoDocuments, table: string) {
    const shared = new DynamoTable(client, table);
    this.repositories = new DynamoRepositories(shared);
    this.blobs = new DynamoBlobs(shared, this.repositories);
    this.images = new DynamoImages(shared, this.repositories, this.blobs);
    this.uploads = new DynamoUploads(shared);
  }

  getRepository(name: string): Promise<RepositoryRecord | undefined> { return this.repositories.get(name); }
  createRepository(record: RepositoryRecord): Promise<boolean> { return this.repositories.create(record); }
  updateRepository(name: string, change: (record: RepositoryRecord) => RepositoryRecord): Promise<RepositoryRecord | undefined> { return this.repositories.update(name, change); }
  deleteRepository(name: string, options?: DeleteRepositoryOptions): Promise<RepositoryRecord | undefined> { return this.repositories.delete(name, options); }
  listRepositories(after: string | undefined, limit: number): Promise<Page<string>> { return this.repositories.list(after, limit); }

  getBlob(digest: string): Promise<BlobRecord | undefined> { return this.blobs.get(digest); }
  putBlob(record: BlobRecord): Promise<boolean> { return this.blobs.put(record); }
  queueUploadObject(objectKey: string, digest: string): Promise<void> { return this.blobs.queueUploadObject(objectKey, digest); }
  repositoriesWithBlob(digest: string, limit: number): Promise<string[]> { return this.blobs.repositoriesWith(digest, limit); }
  getBlobLink(repository: string, digest: string): Promise<BlobLink | undefined> { return this.blobs.getLink(repository, digest); }
  getBlobLinks(repository: string, digests: string[]): Promise<Map<string, BlobLink>> { return this.blobs.getLinks(repository, digests); }
  linkBlob(repository: string, link: BlobLink): Promise<void> { return this.blobs.link(repository, link); }
  unlinkBlob(repository: string, digest: string): Promise<boolean> { return this.blobs.unlink(repository, digest); }

  getTag(repository: string, tag: string): Promise<TagRecord | undefined> { return this.images.getTag(repository, tag); }
  listTags(repository: string, after: string | undefined, limit: number): Promise<Page<string>> { return this.images.listTags(repository, after, limit); }
  deleteTag(repository: string, tag: string, options?: DeleteTagOptions): Promise<string | undefined> { return this.images.deleteTag(repository, tag, options); }
  getManifest(repository: string, digest: string): Promise<StoredManifest | undefined> { return this.images.getManifest(repository, digest); }
  getManifests(repository: string, digests: string[]): Promise<Map<string, StoredManifest>> { return this.images.getManifests(repository, digests); }
  listManifests(repository: string, after: string | undefined, limit: number, filter?: TagStatusFilter): Promise<Page<ManifestSummary>> { return this.images.listManifests(repository, after, limit, filter); }
  putManifest(repository: string, write: ManifestWrite): Promise<void> { return this.images.putManifest(repository, write); }
  deleteManifest(repository: string, digest: string): Promise<string[] | undefined> { return this.images.deleteManifest(repository, digest); }
  listReferrers(repository: string, subject: string): Promise<ReferrerRecord[]> { return this.images.listReferrers(repository, subject); }
  reserveManifestObject(digest: string): Promise<void> { return this.images.reserveManifestObject(digest); }

  createUpload(session: UploadSession): Promise<void> { return this.uploads.create(session); }
  getUpload(id: string): Promise<UploadSession | undefined> { return this.uploads.get(id); }
  claimUpload(id: string, offset: number, lease: string, leaseUntil: number, now: number): Promise<void> { return this.uploads.claim(id, offset, lease, leaseUntil, now); }
  saveUpload(session: UploadSession, lease: string): Promise<void> { return this.uploads.save(session, lease); }
  deleteUpload(id: string): Promise<void> { return this.uploads.delete(id); }
  expiredUploads(now: number, limit: number): Promise<UploadSession[]> { return this.uploads.expired(now, limit); }
}
