import type { HttpResponse } from '../shared/http/types.js';
import { MAX_REQUEST_BODY_BYTES, requestTooLargeMessage } from '../shared/limits.js';
import { errorResponse, RegistryError } from './errors.js';

/** The registry's answer to a request over the API Gateway/Lambda payload limit. */
export function registryTooLarge(size: number | undefined): HttpResponse {
  return errorResponse(new RegistryError('TOO_LARGE', requestTooLargeMessage(size, MAX_REQUEST_BODY_BYTES)));
}
