/**
 * The request-size limit of the API Gateway HTTP API + Lambda shape. Lambda
 * takes 6 MB per invocation, and a binary body arrives base64-encoded inside a
 * JSON event with the headers, so about 4.4 MiB of raw bytes fit in one request.
 */
export const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Room left in the event for headers, the request context and JSON framing. */
export const EVENT_ENVELOPE_BYTES = 64 * 1024;
export const MAX_REQUEST_BODY_BYTES = Math.floor((LAMBDA_PAYLOAD_BYTES - EVENT_ENVELOPE_BYTES) / 4) * 3;

export function requestTooLargeMessage(size: number | undefined, limit: number): string {
  const mib = (limit / (1024 * 1024)).toFixed(2);
  const got = size === undefined ? 'this request body' : `a ${size}-byte request body`;
  return `${got} is over Berth's limit of ${limit} bytes (${mib} MiB) per request, `
    + 'set by API Gateway and Lambda. Upload the blob in chunks of at most that size '
    + '(PATCH with Content-Range; see the OCI-Chunk-Max-Length header), '
    + 'or push large layers with `berth push`, which uploads them straight to S3.';
}
