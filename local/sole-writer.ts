import type { RegistryServerOptions } from './berth-server.js';
import type { LocalSettings } from './settings.js';

/**
 * How `npm start` serves, as the only writer of its tables: every change passes through its one
 * process, so it remembers repository policies and DynamoDB's answers, and forgets them as it
 * changes anything. The bench sets up local mode with the same options.
 */
export function soleWriterOptions(settings: LocalSettings): Pick<RegistryServerOptions, 'registry' | 'policyCacheSeconds' | 'forgetPoliciesOnChange' | 'rememberReads'> {
  return {
    registry: { createOnPush: settings.createOnPush, readAheadSeconds: settings.readAheadSeconds },
    // Remembered policies spare a DynamoDB read per pull request.
    policyCacheSeconds: settings.policyCacheSeconds,
    forgetPoliciesOnChange: true,
    rememberReads: true,
  };
}
