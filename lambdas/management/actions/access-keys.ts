import { IdentityPolicyError, parseIdentityPolicy } from '../../auth/identity-policy.js';
import { PRINCIPAL_NAME, issuedPrincipalArn } from '../auth/access-keys.js';
import type { Action, ActionContext } from '../context.js';
import { EcrError } from '../errors.js';
import { epochSeconds } from '../views.js';
import { invalidParameter, optionalString, requiredString } from '../validation.js';

/**
 * Berth's own actions, under its own target prefix: access keys for
 * unmodified ECR tooling. Only administrators manage keys; a key cannot mint keys.
 */

/** IAM's identity-policy size limit; the policy narrows what the key may do. */
const MAX_POLICY_CHARS = 6144;

/** Keys Berth issued act on repositories; what the registry itself does (its keys, its webhooks) is for administrators. */
export function requireAdministrator({ principal }: ActionContext, what = 'access keys'): void {
  if (principal.issuedKey) {
    throw new EcrError('AccessDeniedException', `${principal.arn} signs with an access key Berth issued; only AWS identities and the local administrator manage ${what}`);
  }
}

function policyOf(context: ActionContext): string | undefined {
  const policyText = optionalString(context.input, 'policyText', { min: 1, max: MAX_POLICY_CHARS });
  if (policyText === undefined) return undefined;
  try {
    parseIdentityPolicy(policyText);
  } catch (error) {
    if (!(error instanceof IdentityPolicyError)) throw error;
    throw invalidParameter('policyText', error.message);
  }
  return policyText;
}

export const createAccessKey: Action = async (context) => {
  requireAdministrator(context);
  const principalName = requiredString(context.input, 'principalName', { pattern: PRINCIPAL_NAME });
  const issued = await context.services.accessKeys.create(principalName, policyOf(context));
  return {
    accessKey: {
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      principalName,
      principalArn: issuedPrincipalArn(context.services.identity, principalName),
      createdAt: epochSeconds(issued.record.createdAt),
    },
  };
};

export const listAccessKeys: Action = async (context) => {
  requireAdministrator(context);
  const records = await context.services.accessKeys.list();
  return {
    accessKeys: records.map((record) => ({
      accessKeyId: record.accessKeyId,
      principalName: record.principalName,
      principalArn: issuedPrincipalArn(context.services.identity, record.principalName),
      createdAt: epochSeconds(record.createdAt),
      ...(record.policyText === undefined ? {} : { policyText: record.policyText }),
    })),
  };
};

export const deleteAccessKey: Action = async (context) => {
  requireAdministrator(context);
  const accessKeyId = requiredString(context.input, 'accessKeyId', { min: 16, max: 128 });
  if (!(await context.services.accessKeys.delete(accessKeyId))) {
    throw new EcrError('AccessKeyNotFoundException', `no access key ${accessKeyId}`);
  }
  return {};
};
