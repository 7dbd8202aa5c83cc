import { awsParts, secretKey } from '../aws-parts.js';
import { composeManagement } from '../compose.js';
import { lambdaHandler } from '../shared/http/apigw.js';
import { ConfigError, parseEnvironment } from '../shared/config.js';
import type { HttpApp } from '../shared/http/types.js';
import { iamAuthorizerCaller } from './auth/iam-caller.js';

/**
 * The management Lambda: the ECR-compatible API at `/` (keys Berth issued) and
 * `/iam` (AWS principals, verified by API Gateway's IAM authorizer), and the token routes.
 */
const config = parseEnvironment(process.env);
const sealingSecretArn = process.env.BERTH_SEALING_SECRET_ARN;
if (!sealingSecretArn) throw new ConfigError('BERTH_SEALING_SECRET_ARN is not set: the secret that seals issued access keys, set by the CDK stack');

const parts = awsParts(config);
// The sealing key is read once per cold start, on the first request.
let app: Promise<HttpApp> | undefined;
function managementApp(): Promise<HttpApp> {
  app ??= secretKey(parts.secrets, sealingSecretArn!).then((sealingKey) => composeManagement(parts, { sealingKey, authenticateIam: iamAuthorizerCaller }));
  return app;
}

export const handler = lambdaHandler(async (request) => (await managementApp())(request));
