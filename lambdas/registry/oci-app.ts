import { RepositoryNotFoundError, UploadConflictError } from '../store/errors.js';
import type { HttpApp, HttpRequest, HttpResponse } from '../shared/http/types.js';
import { errorResponse, internalError, RegistryError } from './errors.js';
import { isValidName } from './grammar.js';
import { ManifestReferenceErrors } from './manifests/manifest-service.js';
import { matchRoute, type Endpoint } from './routes.js';

const COMMON_HEADERS = { 'docker-distribution-api-version': 'registry/2.0' };

/**
 * An OCI service from its dispatch: domain errors become OCI error JSON, a
 * HEAD answer loses its body, and every answer names the API version. The
 * registry and the upload gateway share it, so both answer alike.
 */
export function ociApp(dispatch: HttpApp, log: (message: string, error: unknown) => void): HttpApp {
  return async (request) => {
    let response: HttpResponse;
    try {
      response = await dispatch(request);
    } catch (error) {
      response = toErrorResponse(error, log);
    }
    if (request.method === 'HEAD') delete response.body;
    response.headers = { ...COMMON_HEADERS, ...response.headers };
    return response;
  };
}

/** The endpoint a request is for, with its path parameters; the repository name is valid. */
export function resolveEndpoint(request: HttpRequest): { endpoint: Endpoint; params: Record<string, string> } {
  const route = matchRoute(request.method, request.path);
  if (route.kind === 'not-found') throw new RegistryError('NOT_FOUND', `no endpoint at ${request.path}`);
  if (route.kind === 'method-not-allowed') {
    throw new RegistryError('UNSUPPORTED', `${request.method} is not supported here; allowed: ${route.allowed.join(', ')}`, undefined, { allow: route.allowed.join(', ') });
  }
  const name = route.params.name;
  if (name !== undefined && !isValidName(name)) {
    throw new RegistryError('NAME_INVALID', `${JSON.stringify(name)} is not a valid repository name`, { name });
  }
  return route;
}

function toErrorResponse(error: unknown, log: (message: string, error: unknown) => void): HttpResponse {
  if (error instanceof RegistryError) return errorResponse(error);
  if (error instanceof ManifestReferenceErrors) return errorResponse(error.errors);
  if (error instanceof UploadConflictError) return errorResponse(new RegistryError('RANGE_INVALID', error.message));
  // Deleted while the request ran, after the handler found it.
  if (error instanceof RepositoryNotFoundError) return errorResponse(new RegistryError('NAME_UNKNOWN', error.message, { name: error.repository }));
  return internalError(error, log);
}
