import { isLocalHost } from '../lambdas/shared/upstream/loopback.js';
import { UsageError } from './errors.js';

/** Where `npm start` serves the local registry. */
export const LOCAL_DEFAULT_REGISTRY = 'http://127.0.0.1:5000';

export interface RegistryTarget {
  /** The registry's URL, whose `POST /` is the management API. */
  url: string;
  /** On this machine (localhost, 127.0.0.0/8, ::1): local mode, signed for `ecr` with its administrator key. */
  local: boolean;
  /** The service SigV4 signatures are scoped to: `ecr` locally, `execute-api` behind API Gateway's IAM authorizer. */
  signingService: 'ecr' | 'execute-api';
}

/**
 * The registry: the --registry flag, then BERTH_REGISTRY, then `localDefault`
 * (the local registry `npm start` started last), then the local default.
 */
export function resolveRegistry(flag: string | undefined, env: NodeJS.ProcessEnv, localDefault?: string): RegistryTarget {
  const given = flag ?? (env.BERTH_REGISTRY || undefined);
  const url = parseRegistryUrl(given ?? localDefault ?? LOCAL_DEFAULT_REGISTRY);
  const local = isLocalHost(url.hostname);
  return {
    url: url.href.replace(/\/$/, ''),
    local,
    signingService: local ? 'ecr' : 'execute-api',
  };
}

/** An http(s) URL; a bare host[:port] means http:// for this machine and https:// otherwise. */
function parseRegistryUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `${isLocalHost(new URL(`http://${value}`).hostname) ? 'http' : 'https'}://${value}`);
  } catch {
    throw new UsageError(`the registry must be a URL like https://registry.example.com, not '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`the registry URL must be http:// or https://, not ${url.protocol}//`);
  }
  if (url.search || url.hash) throw new UsageError(`the registry URL cannot have a query or fragment: ${value}`);
  return url;
}

export { isLocalHost };
