import type { Action } from '../management/context.js';
import { epochSeconds } from '../management/views.js';
import { identityOf } from './identity.js';

/**
 * Berth_V1.CreateConsoleSignIn: a one-time link that signs the caller in to the
 * web console, which then acts as the caller; `berth console` prints it.
 */
export const createConsoleSignIn: Action = async ({ principal, services }) => {
  const { signInUrl, expiresAt } = await services.consoleSignIns.create(identityOf(principal));
  return { signInUrl, expiresAt: epochSeconds(expiresAt.toISOString()) };
};
