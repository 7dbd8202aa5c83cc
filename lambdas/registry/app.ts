import type { AccessKeyStore } from '../store/access-key-store.js';
import type { HttpApp, HttpRequest, HttpResponse } from '../shared/http/types.js';
import { requestTooLargeMessage } from '../shared/limits.js';
import { AccessControl, type AccessControlConfig } from './access-control.js';
import { RegistryError } from './errors.js';
import { ociApp, resolveEndpoint } from './oci-app.js';
import { createRegistryServices, type ServiceDeps } from './services.js';

/** The registry's URL is the realm of its challenge. */
export interface RegistryDeps extends Omit<ServiceDeps, 'registryUrl'> {
  /** Issued access keys: tokens obtained with one are checked against it on use. */
  accessKeys: AccessKeyStore;
  access: AccessControlConfig;
  now?: () => Date;
  log?: (message: string, error: unknown) => void;
}

/** Builds the OCI Distribution API as one function from request to response. */
export function createRegistryApp(deps: RegistryDeps): HttpApp {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? ((message, error) => console.error(message, error));
  const access = new AccessControl(deps.access, { repositories: deps.store, accessKeys: deps.accessKeys }, now);
  const services = createRegistryServices({ ...deps, registryUrl: deps.access.realm }, now);

  async function dispatch(request: HttpRequest): Promise<HttpResponse> {
    if (request.body.length > deps.config.maxRequestBodyBytes) {
      throw new RegistryError('TOO_LARGE', requestTooLargeMessage(request.body.length, deps.config.maxRequestBodyBytes));
    }
    const { endpoint, params } = resolveEndpoint(request);
    const caller = await access.authenticate(request);
    await access.authorize(caller, endpoint.access, params.name);
    const may = (action: string, repository: string) => access.mayPerform(caller, action, repository);
    const callerArn = caller.caller.kind === 'principal' ? caller.caller.arn : undefined;
    return endpoint.handler({ request, params, services, may, ...(callerArn === undefined ? {} : { callerArn }) });
  }

  return ociApp(dispatch, log);
}
