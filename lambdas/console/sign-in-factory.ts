import type { BerthParts } from '../compose.js';
import { DynamoSignInStore } from './dynamo-sign-in-store.js';
import { CONSOLE_PATH } from './paths.js';
import { ConsoleSignIns } from './sign-ins.js';

/** The console's sign-in links, made by the management API's CreateConsoleSignIn and redeemed by the console. */
export function consoleSignIns(parts: BerthParts, lifetimeSeconds: number): ConsoleSignIns {
  return new ConsoleSignIns(new DynamoSignInStore(parts.dynamo, parts.table), `${parts.identity.proxyEndpoint}${CONSOLE_PATH}/`,
    lifetimeSeconds, parts.now ?? (() => new Date()));
}
