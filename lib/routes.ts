import { CONSOLE_PATH } from '../lambdas/console/paths.js';
import { IAM_PREFIX, PULL_TOKEN_PATH, STS_PULL_TOKEN_PATH, STS_TOKEN_PATH, TOKEN_PATH } from '../lambdas/shared/paths.js';

/**
 * The HTTP API's routes, as data. The API has one `$default` stage, so paths start at the host root.
 *
 * - `lambda`: API Gateway lets every request through and the Lambda authenticates the caller:
 *   registry tokens (Basic/Bearer) on /v2, or SigV4 for the service `ecr` on `POST /`, checked
 *   against access keys Berth issued, or a presigned sts:GetCallerIdentity request on the STS
 *   token routes, which the Lambda sends to STS. API Gateway cannot verify any of them.
 * - `iam`: API Gateway's IAM authorizer verifies a SigV4 signature for `execute-api` and passes
 *   the principal to the Lambda in `requestContext.authorizer.iam`.
 */
export type RouteAuth = 'lambda' | 'iam';
export type RouteTarget = 'registry' | 'management';

export interface RouteSpec {
  readonly method: 'ANY' | 'POST';
  readonly path: string;
  readonly target: RouteTarget;
  readonly auth: RouteAuth;
}

/** Paths of the IAM-authorized management routes; grants name them in `execute-api:Invoke` ARNs. */
export const IAM_PATHS = {
  /** The management API for AWS principals (the berth CLI). */
  management: IAM_PREFIX,
  /** Registry tokens to pull, push and delete. */
  token: TOKEN_PATH,
  /** Pull-only registry tokens, so IAM policies can allow pulling alone. */
  pullToken: PULL_TOKEN_PATH,
} as const;

export const ROUTES: readonly RouteSpec[] = [
  { method: 'ANY', path: '/v2', target: 'registry', auth: 'lambda' },
  { method: 'ANY', path: '/v2/{proxy+}', target: 'registry', auth: 'lambda' },
  { method: 'POST', path: '/', target: 'management', auth: 'lambda' },
  { method: 'POST', path: IAM_PATHS.management, target: 'management', auth: 'iam' },
  { method: 'POST', path: IAM_PATHS.token, target: 'management', auth: 'iam' },
  { method: 'POST', path: IAM_PATHS.pullToken, target: 'management', auth: 'iam' },
  // Principals of other accounts: the IAM authorizer would refuse them (HTTP APIs have no resource policies).
  { method: 'POST', path: STS_TOKEN_PATH, target: 'management', auth: 'lambda' },
  { method: 'POST', path: STS_PULL_TOKEN_PATH, target: 'management', auth: 'lambda' },
  // The web console's page and API; its session cookie is checked by the function.
  { method: 'ANY', path: CONSOLE_PATH, target: 'management', auth: 'lambda' },
  { method: 'ANY', path: `${CONSOLE_PATH}/{proxy+}`, target: 'management', auth: 'lambda' },
];
