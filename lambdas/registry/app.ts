import type { AccessKeyStore } from '../store/access-key-store.js';
import type { BlobStore } from '../store/blob-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { TemplateStore } from '../store/template-store.js';
import { UploadConflictError } from '../store/errors.js';
import type { HttpApp, HttpRequest, HttpResponse } from '../shared/http/types.js';
import { requestTooLargeMessage } from '../shared/limits.js';
import { UploadService } from './blobs/upload-service.js';
import type { RegistryConfig } from './config.js';
import type { RegistryServices } from './context.js';
import { errorResponse, internalError, RegistryError } from './errors.js';
import { isValidName } from './grammar.js';
import { ManifestReferenceErrors, ManifestService } from './manifests/manifest-service.js';
import { AccessControl, type AccessControlConfig } from './access-control.js';
import { Repositories } from './repositories.js';
import { matchRoute } from './routes.js';

export interface RegistryDeps {
  store: MetadataStore;
  templates: TemplateStore;
  blobs: BlobStore;
  /** Issued access keys: tokens obtained with one are checked against it on use. */
  accessKeys: AccessKeyStore;
  config: RegistryConfig;
  access: AccessControlConfig;
  now?: () => Date;
  log?: (message: string, error: unknown) => void;
}

const COMMON_HEADERS = { 'docker-distribution-api-version': 'registry/2.0' };

/** Builds the OCI Distribution API as one function from request to response. */
export function createRegistryApp(deps: RegistryDeps): HttpApp {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? ((message, error) => console.error(message, error));
  const repositories = new Repositories(deps.store, deps.templates, deps.config.createOnPush, now);
  const access = new AccessControl(deps.access, { repositories: deps.store, accessKeys: deps.accessKeys }, now);
  const services: RegistryServices = {
    store: deps.store,
    blobs: deps.blobs,
    config: deps.config,
    repositories,
    uploads: new UploadService(deps.store, deps.blobs, { uploadTtlSeconds: deps.config.uploadTtlSeconds, now }),
    manifests: new ManifestService(deps.store, deps.blobs, repositories, now),
  };

  async function dispatch(request: HttpRequest): Promise<HttpResponse> {
    if (request.body.length > deps.config.maxRequestBodyBytes) {
      throw new RegistryError('TOO_LARGE', requestTooLargeMessage(request.body.length, deps.config.maxRequestBodyBytes));
    }
    const route = matchRoute(request.method, request.path);
    if (route.kind === 'not-found') throw new RegistryError('NOT_FOUND', `no endpoint at ${request.path}`);
    if (route.kind === 'method-not-allowed') {
      throw new RegistryError('UNSUPPORTED', `${request.method} is not supported here; allowed: ${route.allowed.join(', ')}`, undefined, { allow: route.allowed.join(', ') });
    }
    const caller = await access.authenticate(request);
    const name = route.params.name;
    if (name !== undefined && !isValidName(name)) {
      throw new RegistryError('NAME_INVALID', `${JSON.stringify(name)} is not a valid repository name`, { name });
    }
    await access.authorize(caller, route.endpoint.access, name);
    const may = (action: string, repository: string) => access.mayPerform(caller, action, repository);
    return route.endpoint.handler({ request, params: route.params, services, may });
  }

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

function toErrorResponse(error: unknown, log: (message: string, error: unknown) => void): HttpResponse {
  if (error instanceof RegistryError) return errorResponse(error);
  if (error instanceof ManifestReferenceErrors) return errorResponse(error.errors);
  if (error instanceof UploadConflictError) return errorResponse(new RegistryError('RANGE_INVALID', error.message));
  return internalError(error, log);
}
