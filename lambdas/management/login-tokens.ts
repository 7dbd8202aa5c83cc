import { actionsFor, type AccessClass } from '../auth/actions.js';
import type { RegistryTokens } from '../auth/registry-tokens.js';
import type { Principal } from './context.js';
import { epochSeconds } from './views.js';

export interface LoginTokenSettings {
  tokens: RegistryTokens;
  lifetimeSeconds: number;
  proxyEndpoint: string;
}

/**
 * ECR's authorizationData: base64("AWS:" + password), where the password is a
 * registry token naming the principal, its account and the actions it permits.
 * A key Berth issued is named by its ID: the registry looks it up on each use,
 * so its policy applies and deleting it revokes the token.
 */
export async function authorizationData(settings: LoginTokenSettings, principal: Principal, classes: AccessClass[]) {
  const { token, expiresAt } = await settings.tokens.issue({
    principalArn: principal.arn,
    accountId: principal.accountId,
    actions: actionsFor(classes),
    ...(principal.issuedKey === undefined ? {} : { accessKeyId: principal.issuedKey.accessKeyId }),
  }, settings.lifetimeSeconds);
  return {
    authorizationToken: Buffer.from(`AWS:${token}`).toString('base64'),
    expiresAt: epochSeconds(expiresAt.toISOString()),
    proxyEndpoint: settings.proxyEndpoint,
  };
}
