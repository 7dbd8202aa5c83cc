import type { AccessKeys } from '../management/auth/access-keys.js';
import type { Principal } from '../management/context.js';
import type { ConsoleIdentity } from './sign-in-store.js';

/** What a sign-in and a session keep of a principal. */
export function identityOf(principal: Principal): ConsoleIdentity {
  return {
    principalArn: principal.arn,
    accountId: principal.accountId,
    ...(principal.issuedKey ? { accessKeyId: principal.issuedKey.accessKeyId } : {}),
  };
}

/**
 * The principal a session acts as, rebuilt on each request: an issued key is
 * looked up again, so its current policy applies and deleting it ends the session.
 */
export function principalResolver(accessKeys: Pick<AccessKeys, 'resolve'>) {
  return async (identity: ConsoleIdentity): Promise<Principal | undefined> => {
    if (identity.accessKeyId === undefined) return { arn: identity.principalArn, accountId: identity.accountId };
    return (await accessKeys.resolve(identity.accessKeyId))?.principal;
  };
}
