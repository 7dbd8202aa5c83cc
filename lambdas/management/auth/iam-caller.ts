import type { Authenticator } from '../app.js';
import { EcrError } from '../errors.js';

/**
 * On AWS, API Gateway's IAM authorizer has verified the execute-api signature
 * before the request arrives; the caller is in the request context.
 */
export const iamAuthorizerCaller: Authenticator = async (request) => {
  if (!request.iamCaller) {
    throw new EcrError('MissingAuthenticationTokenException', 'this route needs API Gateway\'s IAM authorizer; sign the request for execute-api');
  }
  return { arn: request.iamCaller.arn, accountId: request.iamCaller.accountId };
};
