import type { RegistryEvents } from '../../events/registry-events.js';
import { objectKeys } from '../../store/keys.js';
import type { BlobStore } from '../../store/blob-store.js';
import { ImmutableTagError, ManifestReferencedError, ReferencesMissingError, TooManyTagChangesError } from '../../store/errors.js';
import type { MetadataStore } from '../../store/metadata-store.js';
import type { ManifestContent, ManifestRecord, ReferrerRecord, RepositoryRecord, StoredManifest } from '../../store/records.js';
import { RegistryError } from '../errors.js';
import { isDigestReference, isValidDigest, isValidTag } from '../grammar.js';
import { parseManifest, type Descriptor, type ParsedManifest } from '../manifest.js';
import type { Repositories } from '../repositories.js';
import type { ImageDeletions } from './image-deletions.js';
import { immutableTagMessage, isTagImmutable } from './tag-mutability.js';

/**
 * Manifests up to this size are kept inside their DynamoDB items (manifest and
 * tag), larger ones in S3. A manifest item also holds its tag set, the indexes
 * that list it and an index's child digests (at most MAX_INDEX_CHILDREN), all
 * within the rest of the 400 KB item limit.
 */
export const INLINE_MANIFEST_BYTES = 180 * 1024;
/**
 * A push writes the manifest item, one item per tag and a referrer item in one
 * transaction, which DynamoDB caps at 4 MB in all. An inline manifest is copied
 * into the manifest item (with its sets, counted as one more copy), every
 * tag item and, through its annotations, at most once more into the referrer item;
 * when those copies would not fit in this budget, the bytes go to S3 instead.
 */
export const INLINE_TRANSACTION_BYTES = 3 * 1024 * 1024;
/**
 * Annotations are copied into the referrer item that the referrers API lists,
 * but a DynamoDB item holds at most 400 KB. Larger ones stay out of the item
 * and are read from the manifest when its subject's referrers are listed.
 */
export const INLINE_REFERRER_ANNOTATION_BYTES = 64 * 1024;
/** Tags one PUT may set with `?tag=`; all are written in one transaction. */
export const MAX_TAGS_PER_PUT = 50;

export interface ResolvedManifest {
  digest: string;
  mediaType: string;
  size: number;
  /** Reads the bytes; a HEAD never calls it, so S3-held manifests cost no S3 call there. */
  body: () => Promise<Buffer>;
}

export class ManifestService {
  constructor(
    private readonly store: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly repositories: Repositories,
    private readonly deletions: ImageDeletions,
    private readonly events: RegistryEvents,
    private readonly now: () => Date,
  ) {}

  /** Validates and stores a manifest pushed under a tag or a digest; `extraTags` come from `?tag=`. */
  async put(repository: string, reference: string, bytes: Buffer, contentType: string | undefined, extraTags: string[]): Promise<ParsedManifest> {
    const tags = this.tagsFor(reference, extraTags);
    const manifest = parseManifest(bytes, contentType);
    if (isDigestReference(reference) && reference !== manifest.digest) {
      throw new RegistryError('DIGEST_INVALID', `manifest digest is ${manifest.digest}, not ${reference}`, { digest: reference });
    }
    // Into a repository it would create, the push must pass its reference checks first.
    const record = await this.repositories.requireForPush(repository, () => this.checkReferences(repository, manifest));
    try {
      await this.push(record, manifest, bytes, tags);
    } catch (error) {
      if (error instanceof ImmutableTagError) throw new RegistryError('TAG_INVALID', immutableTagMessage(error.tag, repository), { tag: error.tag });
      if (error instanceof TooManyTagChangesError) throw new RegistryError('TAG_INVALID', error.message);
      throw error;
    }
    return manifest;
  }

  /**
   * Stores a parsed manifest in an existing repository under `tags`: the push both APIs
   * share (the OCI PUT above, ECR's PutImage). Every blob and child must be in the
   * repository when the manifest is written (ManifestReferenceErrors otherwise), and an
   * immutable tag is never moved to another digest (ImmutableTagError), however pushes,
   * deletes and lifecycle expiry race. RepositoryNotFoundError when the repository is
   * deleted meanwhile.
   */
  async push(repository: RepositoryRecord, manifest: ParsedManifest, bytes: Buffer, tags: string[]): Promise<void> {
    const children = await this.checkReferences(repository.name, manifest);
    const content = await this.storeContent(manifest.digest, bytes, tags.length);
    const record: ManifestRecord = {
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      size: manifest.size,
      pushedAt: this.now().toISOString(),
      imageSize: imageSizeOf(manifest, children),
      children: manifest.children.map((child) => child.digest),
      ...(manifest.config ? { configMediaType: manifest.config.mediaType } : {}),
      ...(manifest.subject ? { subject: manifest.subject.digest } : {}),
      ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
      ...content,
    };
    const immutableTags = tags.filter((tag) => isTagImmutable(repository, tag));
    const referrer = referrerOf(manifest);
    try {
      await this.store.putManifest(repository.name, {
        manifest: record,
        blobs: manifest.blobs.map(({ digest, size }) => ({ digest, size })),
        tags,
        immutableTags,
        ...(referrer ? { referrer } : {}),
      });
    } catch (error) {
      // Deleted between the checks above and the write.
      if (error instanceof ReferencesMissingError) {
        throw new ManifestReferenceErrors(repository.name, [
          ...error.blobs.map((digest) => ({ kind: 'missing-blob' as const, digest })),
          ...error.children.map((digest) => ({ kind: 'missing-manifest' as const, digest })),
        ]);
      }
      throw error;
    }
    await this.events.imagePushed(repository.name, record, tags);
  }

  /**
   * Finds a manifest by tag or digest. A reference outside the grammar names no
   * stored manifest, so it misses as any other would (the spec's 404), unread.
   */
  async resolve(repository: string, reference: string): Promise<ResolvedManifest> {
    const found = !isValidTag(reference) && !isValidDigest(reference) ? undefined
      : isDigestReference(reference) ? await this.store.getManifest(repository, reference)
      : await this.store.getTag(repository, reference);
    if (!found) {
      return this.repositories.explainMiss(repository, new RegistryError('MANIFEST_UNKNOWN', `manifest ${reference} is not in repository ${repository}`, { name: repository, reference }));
    }
    const content: ManifestContent = found;
    return {
      digest: found.digest,
      mediaType: found.mediaType,
      size: found.size,
      body: async () => content.body ?? this.blobs.get(content.objectKey!),
    };
  }

  /**
   * Descriptors of the manifests in the repository whose subject is `subject`,
   * for the referrers API, optionally only those of one artifact type.
   */
  async referrers(repository: string, subject: string, artifactType?: string): Promise<Descriptor[]> {
    const records = await this.store.listReferrers(repository, subject);
    const listed = await Promise.all(records
      .map((record) => record.descriptor as StoredReferrerDescriptor)
      .filter((stored) => artifactType === undefined || stored.artifactType === artifactType)
      .map(async ({ annotationsInManifest, ...descriptor }): Promise<Descriptor | undefined> => {
        if (!annotationsInManifest) return descriptor;
        const manifest = await this.store.getManifest(repository, descriptor.digest);
        if (!manifest) return undefined; // deleted since the listing was read
        const bytes = manifest.body ?? await this.blobs.get(manifest.objectKey!);
        const { annotations } = JSON.parse(bytes.toString('utf8')) as { annotations?: Record<string, string> };
        return { ...descriptor, ...(annotations ? { annotations } : {}) };
      }));
    return listed.filter((descriptor) => descriptor !== undefined);
  }

  /**
   * Deleting a tag keeps the manifest; deleting a digest removes the manifest, its tags and
   * its referrer entry, unless an index lists it: DENIED, as ECR refuses such a delete
   * (ImageReferencedByManifestList), until the index goes.
   */
  async delete(repository: string, reference: string): Promise<void> {
    const deleted = isDigestReference(reference)
      ? await this.deleteManifest(repository, reference)
      : await this.deletions.deleteTag(repository, reference);
    if (!deleted) {
      await this.repositories.explainMiss(repository, new RegistryError('MANIFEST_UNKNOWN', `manifest ${reference} is not in repository ${repository}`, { name: repository, reference }));
    }
  }

  private async deleteManifest(repository: string, digest: string): Promise<string[] | undefined> {
    try {
      return await this.deletions.deleteImage(repository, digest, 'user');
    } catch (error) {
      if (error instanceof ManifestReferencedError) throw new RegistryError('DENIED', error.message, { digest, indexes: error.indexes });
      throw error;
    }
  }

  private tagsFor(reference: string, extraTags: string[]): string[] {
    if (!isDigestReference(reference)) {
      if (!isValidTag(reference)) throw new RegistryError('TAG_INVALID', `${JSON.stringify(reference)} is not a valid tag`, { tag: reference });
      if (extraTags.length > 0) throw new RegistryError('TAG_INVALID', 'the tag query parameter applies only to a push by digest');
      return [reference];
    }
    if (!isValidDigest(reference)) throw new RegistryError('DIGEST_INVALID', `${JSON.stringify(reference)} is not a valid digest`, { digest: reference });
    const invalid = extraTags.find((tag) => !isValidTag(tag));
    if (invalid !== undefined) throw new RegistryError('TAG_INVALID', `${JSON.stringify(invalid)} is not a valid tag`, { tag: invalid });
    if (extraTags.length > MAX_TAGS_PER_PUT) throw new RegistryError('TAG_INVALID', `at most ${MAX_TAGS_PER_PUT} tags per push`);
    return [...new Set(extraTags)];
  }

  /** Every blob and child manifest must be in the repository; a subject may be missing. Returns the children. */
  private async checkReferences(repository: string, manifest: ParsedManifest): Promise<Map<string, StoredManifest>> {
    const problems: ReferenceProblem[] = [];
    const links = await this.store.getBlobLinks(repository, manifest.blobs.map((blob) => blob.digest));
    for (const blob of manifest.blobs) {
      const link = links.get(blob.digest);
      if (!link) {
        problems.push({ kind: 'missing-blob', digest: blob.digest });
      } else if (link.size !== blob.size) {
        problems.push({ kind: 'wrong-size', digest: blob.digest, declared: blob.size, actual: link.size });
      }
    }
    const children = await this.store.getManifests(repository, manifest.children.map((child) => child.digest));
    for (const child of manifest.children) {
      if (!children.has(child.digest)) problems.push({ kind: 'missing-manifest', digest: child.digest });
    }
    if (problems.length > 0) throw new ManifestReferenceErrors(repository, problems);
    return children;
  }

  private async storeContent(digest: string, bytes: Buffer, tagCount: number): Promise<ManifestContent> {
    const inlineCopies = tagCount + 3;
    if (bytes.length <= INLINE_MANIFEST_BYTES && bytes.length * inlineCopies <= INLINE_TRANSACTION_BYTES) return { body: bytes };
    const objectKey = objectKeys.manifest(digest);
    // Reserved first: a garbage collection of this object finishes before the bytes are written, or waits (MetadataStore).
    await this.store.reserveManifestObject(digest);
    await this.blobs.put(objectKey, bytes);
    return { objectKey };
  }
}

/** Something a manifest refers to that the repository does not hold as described. */
export type ReferenceProblem =
  | { kind: 'missing-blob' | 'missing-manifest'; digest: string }
  | { kind: 'wrong-size'; digest: string; declared: number; actual: number };

/**
 * Several reference problems reported together, as the spec shows for unknown blobs;
 * `errors` are the OCI errors, `problems` let other APIs answer in their own terms.
 */
export class ManifestReferenceErrors extends Error {
  readonly errors: RegistryError[];

  constructor(repository: string, readonly problems: ReferenceProblem[]) {
    const errors = problems.map((problem) => {
      switch (problem.kind) {
        case 'missing-blob':
          return new RegistryError('MANIFEST_BLOB_UNKNOWN', `blob ${problem.digest} is not in repository ${repository}; push it first`, { digest: problem.digest });
        case 'missing-manifest':
          return new RegistryError('MANIFEST_BLOB_UNKNOWN', `manifest ${problem.digest} is not in repository ${repository}; push it first`, { digest: problem.digest });
        case 'wrong-size':
          return new RegistryError('MANIFEST_INVALID', `descriptor of ${problem.digest} says ${problem.declared} bytes, but the blob has ${problem.actual}`, { digest: problem.digest });
      }
    });
    super(errors.map((error) => error.message).join('; '));
    this.name = 'ManifestReferenceErrors';
    this.errors = errors;
  }
}

/**
 * ECR's imageSizeInBytes. An image: its config and the layers the registry stores (foreign
 * layers are not in the repository). An index: the largest of its children's sizes, as
 * ECR's API reference documents for manifest lists; its children were pushed first.
 */
function imageSizeOf(manifest: ParsedManifest, children: Map<string, StoredManifest>): number {
  if (manifest.children.length === 0) return manifest.blobs.reduce((sum, blob) => sum + blob.size, 0);
  return Math.max(0, ...manifest.children.map((child) => children.get(child.digest)?.imageSize ?? 0));
}

/** A referrer item's descriptor; the flag marks annotations too large to keep in it. */
type StoredReferrerDescriptor = Descriptor & { annotationsInManifest?: true };

function referrerOf(manifest: ParsedManifest): ReferrerRecord | undefined {
  if (!manifest.subject) return undefined;
  const annotations = manifest.annotations;
  const inline = annotations === undefined || Buffer.byteLength(JSON.stringify(annotations)) <= INLINE_REFERRER_ANNOTATION_BYTES;
  const descriptor: StoredReferrerDescriptor = {
    mediaType: manifest.mediaType,
    digest: manifest.digest,
    size: manifest.size,
    ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
    ...(annotations === undefined ? {} : inline ? { annotations } : { annotationsInManifest: true }),
  };
  return { subject: manifest.subject.digest, descriptor };
}
