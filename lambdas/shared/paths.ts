/**
 * Paths of Berth's API outside /v2/, shared by the apps, the CDK routes and the
 * clients. AWS principals call under IAM_PREFIX, behind API Gateway's IAM authorizer.
 */
export const IAM_PREFIX = '/iam';
/** A registry token for pull, push and delete. */
export const TOKEN_PATH = `${IAM_PREFIX}/token`;
/** A pull-only registry token: a separate route, so IAM policies can grant it alone. */
export const PULL_TOKEN_PATH = `${IAM_PREFIX}/token/pull`;
/**
 * Principals of other accounts, which the IAM authorizer cannot admit, get tokens under
 * STS_PREFIX: the management function verifies them through STS (lambdas/auth/sts-request.ts).
 */
export const STS_PREFIX = '/sts';
/** A registry token for whatever repository policies grant the caller. */
export const STS_TOKEN_PATH = `${STS_PREFIX}/token`;
/** The same, limited to pulling. */
export const STS_PULL_TOKEN_PATH = `${STS_PREFIX}/token/pull`;
