import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startBerthServer, type RunningRegistry } from '../../local/berth-server.js';
import type { Emulators } from '../../local/emulators/index.js';
import { parseLocalSettings } from '../../local/settings.js';
import { localTokenKeySource } from '../../local/token-keys.js';
import { adminCredentials } from './admin.js';

/**
 * A registry set up as `npm start` sets it up (policies remembered for the
 * default BERTH_POLICY_CACHE_SECONDS and forgotten on change, DynamoDB's answers
 * remembered until the next write, token keys read
 * from the data directory), with skopeo-style credentials of its
 * administrator, as `berth login` obtains them.
 */
export async function startLocalMode(emulators: Emulators, scratch: string): Promise<{ registry: RunningRegistry; credentials: string }> {
  const dataDir = join(scratch, 'local-mode');
  mkdirSync(dataDir, { recursive: true });
  const registry = await startBerthServer({
    dynamoEndpoint: emulators.dynamoEndpoint,
    s3Endpoint: emulators.s3Endpoint,
    s3SpoolDirectory: emulators.s3SpoolDirectory,
    table: 'berth-local-mode',
    bucket: 'berth-local-mode',
    port: 0,
    tokenKeys: localTokenKeySource(dataDir),
    policyCacheSeconds: parseLocalSettings({}, []).policyCacheSeconds,
    forgetPoliciesOnChange: true,
    rememberReads: true,
    log: (message) => console.error(message),
  });
  return { registry, credentials: await adminCredentials(registry) };
}
