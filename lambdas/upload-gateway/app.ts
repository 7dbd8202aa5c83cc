import { UploadStateError, type UploadStateTokens } from '../auth/upload-state.js';
import { RegistryError } from '../registry/errors.js';
import { STATE_PARAMETER } from '../registry/handlers/upload-locations.js';
import { ociApp, resolveEndpoint } from '../registry/oci-app.js';
import { createRegistryServices, type ServiceDeps } from '../registry/services.js';
import type { HttpApp, HttpRequest, HttpResponse } from '../shared/http/types.js';

export interface UploadGatewayDeps extends ServiceDeps {
  uploadState: UploadStateTokens;
  /** Requests with a body served at once; more are refused with 429 so memory stays bounded. */
  maxUploads: number;
  /** Seconds a refused client is asked to wait (Retry-After). */
  retryAfterSeconds?: number;
  now?: () => Date;
  log?: (message: string, error: unknown) => void;
}

/**
 * The upload gateway: the byte path of upload sessions (PATCH, PUT, status
 * GET, cancel DELETE) without API Gateway's request limit. The same routes,
 * handlers and upload service as the registry; only authorization differs:
 * each request carries the signed state token the registry put in its
 * Location, whatever credentials the client sends or drops.
 */
export function createUploadGatewayApp(deps: UploadGatewayDeps): HttpApp {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? ((message, error) => console.error(message, error));
  const services = createRegistryServices(deps, now);
  let receiving = 0;

  async function dispatch(request: HttpRequest): Promise<HttpResponse> {
    const { endpoint, params } = resolveEndpoint(request);
    if (params.session === undefined || typeof endpoint.access !== 'object') {
      throw new RegistryError('NOT_FOUND', `the upload gateway serves only upload sessions; send ${request.method} ${request.path} to ${deps.registryUrl}`);
    }
    const grant = await verifyState(deps.uploadState, request, params.name!, params.session);
    if (!grant.actions.includes(endpoint.access.action)) {
      throw new RegistryError('DENIED', `${grant.principalArn} may not perform ${endpoint.access.action} on repository ${params.name}`, { action: endpoint.access.action, repository: params.name });
    }
    const context = { request, params, services, may: async () => false, callerArn: grant.principalArn };
    if (request.method !== 'PATCH' && request.method !== 'PUT') return endpoint.handler(context);
    if (receiving >= deps.maxUploads) {
      const retryAfter = String(deps.retryAfterSeconds ?? 1);
      throw new RegistryError('TOOMANYREQUESTS', `the upload gateway is receiving ${receiving} uploads, its limit; retry in ${retryAfter} s`, undefined, { 'retry-after': retryAfter });
    }
    receiving += 1;
    try {
      return await endpoint.handler(context);
    } finally {
      receiving -= 1;
    }
  }

  return ociApp(dispatch, log);
}

async function verifyState(tokens: UploadStateTokens, request: HttpRequest, repository: string, uploadId: string) {
  const token = request.query.get(STATE_PARAMETER);
  if (token === null) {
    throw new RegistryError('DENIED', `the upload URL lacks its ${STATE_PARAMETER} parameter; use the Location the registry returned`);
  }
  try {
    return await tokens.verify(token, repository, uploadId);
  } catch (error) {
    if (error instanceof UploadStateError) throw new RegistryError('DENIED', error.message);
    throw error;
  }
}
