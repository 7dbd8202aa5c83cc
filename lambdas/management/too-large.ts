import type { HttpResponse } from '../shared/http/types.js';
import { MAX_REQUEST_BODY_BYTES } from '../shared/limits.js';
import { EcrError, ecrErrorResponse } from './errors.js';

/** The management API's answer to a request over the API Gateway/Lambda payload limit. */
export function managementTooLarge(size: number | undefined): HttpResponse {
  const got = size === undefined ? 'The request' : `The ${size}-byte request`;
  return ecrErrorResponse(new EcrError('RequestEntityTooLargeException', `${got} is over the limit of ${MAX_REQUEST_BODY_BYTES} bytes per request`));
}
