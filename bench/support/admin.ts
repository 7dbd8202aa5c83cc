import { actionsFor } from '../../lambdas/auth/actions.js';
import type { RunningRegistry } from '../../local/berth-server.js';
import { RegistryClient } from '../../test/support/client.js';

/**
 * `AWS:<token>` of the registry's administrator, as `berth login` stores it.
 * Issued here rather than through test/support/registry.ts, which registers
 * vitest hooks on import and so cannot load outside a test run.
 */
export async function adminCredentials(registry: RunningRegistry): Promise<string> {
  const { accountId } = registry.identity;
  const { token } = await registry.tokens.issue({ principalArn: `arn:aws:iam::${accountId}:root`, accountId, actions: actionsFor(['pull', 'push', 'delete']) }, 3600);
  return `AWS:${token}`;
}

/** A client signed in as the administrator, with one token for all its requests. */
export function adminClient(registry: RunningRegistry): RegistryClient {
  let header: Promise<string> | undefined;
  return new RegistryClient(registry.url, () => (header ??= adminCredentials(registry).then((credentials) => `Basic ${Buffer.from(credentials).toString('base64')}`)));
}
