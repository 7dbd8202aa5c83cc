/**
 * Paths of Berth's API outside /v2/, shared by the apps, the CDK routes and the
 * clients. AWS principals call under IAM_PREFIX, behind API Gateway's IAM authorizer.
 */
export const IAM_PREFIX = '/iam';
/** A registry token for pull, push and delete. */
export const TOKEN_PATH = `${IAM_PREFIX}/token`;
/** A pull-only registry token: a separate route, so IAM policies can grant it alone. */
export const PULL_TOKEN_PATH = `${IAM_PREFIX}/token/pull`;
