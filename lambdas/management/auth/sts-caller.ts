import { StsIdentityRefused } from '../../auth/sts-identity.js';
import type { CallerIdentity } from '../../auth/sts-response.js';
import type { Authenticator } from '../app.js';
import { EcrError } from '../errors.js';

/** The body of a request to the STS token routes. */
export interface StsTokenRequest {
  /** A presigned sts:GetCallerIdentity URL, signed with the binding header (see lambdas/auth/sts-request.ts). */
  getCallerIdentityUrl: string;
}

/**
 * The caller of the STS token routes, as STS names it. These routes serve
 * principals of other accounts, which API Gateway's IAM authorizer cannot
 * admit; the registry's own principals are refused here and take the IAM
 * token routes, where their IAM policies (execute-api:Invoke) still decide
 * who gets which token. `verify` is undefined where no STS endpoint is set.
 */
export function stsCaller(verify: ((presignedUrl: string) => Promise<CallerIdentity>) | undefined, registryAccountId: string): Authenticator {
  return async (request) => {
    if (!verify) {
      throw new EcrError('UnknownOperationException', 'this registry verifies no AWS identities through STS (BERTH_STS_ENDPOINT is not set); sign in through the IAM token routes');
    }
    const url = presignedUrlOf(request.body);
    let caller: CallerIdentity;
    try {
      caller = await verify(url);
    } catch (error) {
      if (error instanceof StsIdentityRefused) throw new EcrError('UnrecognizedClientException', error.message);
      throw error;
    }
    if (caller.accountId === registryAccountId) {
      throw new EcrError('AccessDeniedException', `${caller.arn} is of the registry's account ${registryAccountId}, whose principals get tokens from the IAM token routes, where their IAM policies apply`);
    }
    return caller;
  };
}

function presignedUrlOf(body: Buffer): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new EcrError('SerializationException', 'the request body is not valid JSON');
  }
  const url = (parsed as Partial<StsTokenRequest> | null)?.getCallerIdentityUrl;
  if (typeof url !== 'string' || url === '') {
    throw new EcrError('MissingAuthenticationTokenException', 'send {"getCallerIdentityUrl": "<a presigned sts:GetCallerIdentity URL>"}, as `berth login` does');
  }
  return url;
}
