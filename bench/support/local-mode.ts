import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startBerthServer, type RunningRegistry } from '../../local/berth-server.js';
import type { Emulators } from '../../local/emulators/index.js';
import { parseLocalSettings } from '../../local/settings.js';
import { soleWriterOptions } from '../../local/sole-writer.js';
import { localTokenKeySource } from '../../local/token-keys.js';
import { adminCredentials } from './admin.js';

/**
 * A registry set up as `npm start` sets it up with its default settings (the
 * caches of ../../local/sole-writer.ts, token keys read from the data
 * directory), with skopeo-style credentials of its administrator, as
 * `berth login` obtains them.
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
    ...soleWriterOptions(parseLocalSettings({}, [])),
    log: (message) => console.error(message),
  });
  return { registry, credentials: await adminCredentials(registry) };
}
