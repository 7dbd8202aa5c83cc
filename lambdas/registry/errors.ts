import type { HttpResponse } from '../shared/http/types.js';

/**
 * Every OCI error Berth can answer, declared once: the wire code, its HTTP
 * status and the default message. Handlers raise `RegistryError`; only
 * `errorResponse` writes the JSON body.
 */
export const OCI_ERRORS = {
  BLOB_UNKNOWN: { code: 'BLOB_UNKNOWN', status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { code: 'BLOB_UPLOAD_INVALID', status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { code: 'BLOB_UPLOAD_UNKNOWN', status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { code: 'DIGEST_INVALID', status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { code: 'MANIFEST_BLOB_UNKNOWN', status: 404, message: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { code: 'MANIFEST_INVALID', status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { code: 'MANIFEST_UNKNOWN', status: 404, message: 'manifest unknown to registry' },
  NAME_INVALID: { code: 'NAME_INVALID', status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { code: 'NAME_UNKNOWN', status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { code: 'SIZE_INVALID', status: 400, message: 'provided length did not match content length' },
  TAG_INVALID: { code: 'TAG_INVALID', status: 400, message: 'manifest tag did not match URI or is not a valid tag' },
  RANGE_INVALID: { code: 'BLOB_UPLOAD_INVALID', status: 416, message: 'requested range not satisfiable' },
  PAGINATION_NUMBER_INVALID: { code: 'PAGINATION_NUMBER_INVALID', status: 400, message: 'invalid number of results requested' },
  UNAUTHORIZED: { code: 'UNAUTHORIZED', status: 401, message: 'authentication required' },
  DENIED: { code: 'DENIED', status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { code: 'UNSUPPORTED', status: 405, message: 'the operation is unsupported' },
  NOT_FOUND: { code: 'NOT_FOUND', status: 404, message: 'no such endpoint' },
  TOO_LARGE: { code: 'SIZE_INVALID', status: 413, message: 'request body too large' },
  TOOMANYREQUESTS: { code: 'TOOMANYREQUESTS', status: 429, message: 'too many requests' },
  INTERNAL: { code: 'UNKNOWN', status: 500, message: 'internal server error; the request was not completed and may be retried' },
} as const;

export type OciErrorKind = keyof typeof OCI_ERRORS;

export class RegistryError extends Error {
  constructor(
    readonly kind: OciErrorKind,
    message?: string,
    readonly detail?: unknown,
    /** Extra response headers, e.g. Range and Location on a 416. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? OCI_ERRORS[kind].message);
    this.name = 'RegistryError';
  }
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/** Serializes one or more errors in the spec's `{"errors":[...]}` shape. */
export function errorResponse(errors: RegistryError | RegistryError[], headers: Record<string, string> = {}): HttpResponse {
  const list = Array.isArray(errors) ? errors : [errors];
  const first = list[0]!;
  const body = {
    errors: list.map((error) => ({
      code: OCI_ERRORS[error.kind].code,
      message: error.message,
      ...(error.detail === undefined ? {} : { detail: error.detail }),
    })),
  };
  return {
    status: OCI_ERRORS[first.kind].status,
    headers: { ...JSON_HEADERS, ...first.headers, ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/** A registry error for anything unexpected; internals go to the log, never to the client. */
export function internalError(error: unknown, log: (message: string, error: unknown) => void): HttpResponse {
  log('unhandled error', error);
  return errorResponse(new RegistryError('INTERNAL'));
}
