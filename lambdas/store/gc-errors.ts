/**
 * A blob record was collected between a push's read of it and its link: only a push that held the
 * record longer than the collector's grace period sees this. Nothing was linked; the push can
 * upload the blob again.
 */
export class BlobCollectedError extends Error {
  constructor(readonly digest: string) {
    super(`blob ${digest} was garbage-collected while it was being linked; upload it again`);
    this.name = 'BlobCollectedError';
  }
}
