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
 * A key Berth issued passes its own policy along, so the registry applies it too.
 */
export async function authorizationData(settings: LoginTokenSettings, principal: Principal, classes: AccessClass[]) {
  const { token, expiresAt } = await settings.tokens.issue({
    principalArn: principal.arn,
    accountId: principal.accountId,
    actions: actionsFor(classes),
    ...(principal.issuedKey?.policyText === undefined ? {} : { identityPolicyText: principal.issuedKey.policyText }),
  }, settings.lifetimeSeconds);
  return {
    authorizationToken: Buffer.from(`AWS:${token}`).toString('base64'),
    expiresAt: epochSeconds(expiresAt.toISOString()),
    proxyEndpoint: settings.proxyEndpoint,
  };
}
