/** Domain errors raised by store adapters; the HTTP edge maps them to protocol errors. */

/** Another request holds or has moved the upload session. */
export class UploadConflictError extends Error {
  constructor(readonly uploadId: string) {
    super(`upload ${uploadId} is being written by another request`);
    this.name = 'UploadConflictError';
  }
}
