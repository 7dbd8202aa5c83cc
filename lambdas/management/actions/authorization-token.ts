import type { Action } from '../context.js';
import { optionalList } from '../validation.js';
import { authorizationData } from '../login-tokens.js';

/**
 * GetAuthorizationToken: a registry password valid for the configured lifetime
 * (12 hours by default). What it permits on each repository is decided when it is used.
 */
export const getAuthorizationToken: Action = async ({ input, principal, services }) => {
  // ECR ignores registryIds nowadays (one token serves every registry of the account); accepted for compatibility.
  optionalList(input, 'registryIds', { min: 1, max: 10 });
  return { authorizationData: [await authorizationData(services.login, principal, ['pull', 'push', 'delete'])] };
};
