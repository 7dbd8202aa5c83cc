import { composeManagement, type BerthParts, type ManagementParts } from '../compose.js';
import { AccessKeys } from '../management/auth/access-keys.js';
import type { Principal } from '../management/context.js';
import { EcrError } from '../management/errors.js';
import { Sealer } from '../shared/crypto/sealer.js';
import type { HttpApp, HttpRequest } from '../shared/http/types.js';
import { DynamoAccessKeyStore } from '../store/dynamo-access-key-store.js';
import { createConsoleApp } from './app.js';
import type { ConsoleAssets } from './assets.js';
import { downloadAtMost } from './download.js';
import { principalResolver } from './identity.js';
import { isConsolePath } from './paths.js';
import { ConsoleSessions } from './sessions.js';
import { DEFAULT_CONSOLE_SETTINGS } from './settings.js';
import { consoleSignIns } from './sign-in-factory.js';

/**
 * The management function's app with the web console in front: /console/...
 * to the console, the rest to the management API. The console's calls go to a
 * second management app over the same parts, whose only caller is the
 * session's principal, so they pass the API's own authorization and errors.
 */
export function composeManagementWithConsole(parts: BerthParts, management: ManagementParts, assets: ConsoleAssets): HttpApp {
  const now = parts.now ?? (() => new Date());
  const settings = management.console ?? DEFAULT_CONSOLE_SETTINGS;
  const api = composeManagement(parts, management);
  const acting = new WeakMap<HttpRequest, Principal>();
  const asPrincipal = composeManagement(parts, {
    ...management,
    authenticateIam: async (request) => {
      const principal = acting.get(request);
      if (!principal) throw new EcrError('MissingAuthenticationTokenException', 'the console forwards only signed-in requests');
      return principal;
    },
  });
  const accessKeys = new AccessKeys(new DynamoAccessKeyStore(parts.dynamo, parts.table), new Sealer(management.sealingKey), parts.identity, now);
  const app = createConsoleApp({
    assets,
    sessions: new ConsoleSessions(parts.tokenKeys, parts.identity.registryHost, settings.sessionSeconds, now),
    signIns: consoleSignIns(parts, settings.signInLinkSeconds),
    principalOf: principalResolver(accessKeys),
    api: (request, principal) => {
      acting.set(request, principal);
      return asPrincipal(request);
    },
    download: downloadAtMost,
    secure: parts.identity.proxyEndpoint.startsWith('https://'),
    log: parts.log ?? ((message, error) => console.error(message, error)),
  });
  return (request) => (isConsolePath(request.path) ? app(request) : api(request));
}
