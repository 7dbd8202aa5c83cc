/** Domain errors raised by store adapters; the HTTP edge maps them to protocol errors. */

/** Another request holds or has moved the upload session. */
export class UploadConflictError extends Error {
  constructor(readonly uploadId: string) {
    super(`upload ${uploadId} is being written by another request`);
    this.name = 'UploadConflictError';
  }
}

/**
 * A push would move a tag that the repository keeps immutable: the tag exists and
 * points at another manifest (or a concurrent push pointed it there first).
 */
export class ImmutableTagError extends Error {
  constructor(readonly repository: string, readonly tag: string) {
    super(`tag ${tag} of repository ${repository} is immutable and points at another manifest`);
    this.name = 'ImmutableTagError';
  }
}

/**
 * A push would change more items than one DynamoDB transaction holds (100): the
 * repository check, the manifest, each tag, each manifest a moved tag leaves, each child
 * of an index, and the referrer entry.
 */
export class TooManyTagChangesError extends Error {
  constructor(readonly items: number, readonly limit: number) {
    super(`the push would change ${items} items at once; at most ${limit} can change together, so set or move fewer tags in one push (each manifest of an index counts too)`);
    this.name = 'TooManyTagChangesError';
  }
}

/** The repository does not exist, or a delete of it has begun: nothing more may be written into it. */
export class RepositoryNotFoundError extends Error {
  constructor(readonly repository: string) {
    super(`repository ${repository} does not exist or is being deleted`);
    this.name = 'RepositoryNotFoundError';
  }
}

/** A delete that required an empty repository found images in it. */
export class RepositoryNotEmptyError extends Error {
  constructor(readonly repository: string) {
    super(`repository ${repository} still holds images`);
    this.name = 'RepositoryNotEmptyError';
  }
}

/**
 * A manifest write found what it depends on missing from the repository when it was written:
 * blobs (or a blob of another size than declared) and child manifests, by digest.
 */
export class ReferencesMissingError extends Error {
  constructor(readonly repository: string, readonly blobs: string[], readonly children: string[]) {
    super(`repository ${repository} lacks ${[...blobs, ...children].join(', ')}`);
    this.name = 'ReferencesMissingError';
  }
}

/** A manifest cannot be deleted while indexes list it (ECR's ImageReferencedByManifestList). */
export class ManifestReferencedError extends Error {
  constructor(readonly repository: string, readonly digest: string, readonly indexes: string[]) {
    super(`manifest ${digest} is listed by ${indexes.length === 1 ? 'index' : 'indexes'} ${indexes.join(', ')}; delete ${indexes.length === 1 ? 'that index' : 'those indexes'} first`);
    this.name = 'ManifestReferencedError';
  }
}

/**
 * Storage refused to assemble a multipart upload: `unknown` when the upload is not (or no longer)
 * there, `parts` when the parts named are missing, out of order, too small or of other ETags.
 */
export class MultipartRefusedError extends Error {
  constructor(readonly reason: 'unknown' | 'parts', message: string) {
    super(message);
    this.name = 'MultipartRefusedError';
  }
}
