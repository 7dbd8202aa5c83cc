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
 * manifest, each tag, each manifest a moved tag leaves, and the referrer entry.
 */
export class TooManyTagChangesError extends Error {
  constructor(readonly items: number, readonly limit: number) {
    super(`the push would change ${items} items at once; at most ${limit} can change together, so move fewer tags from other manifests in one push`);
    this.name = 'TooManyTagChangesError';
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
