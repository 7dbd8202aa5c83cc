import { ECRClient, type ECRClientConfig } from '@aws-sdk/client-ecr';
import { IAM_PREFIX } from '../lambdas/shared/paths.js';
import { credentialsProvider, regionProvider, skipInstanceMetadataFor } from './aws-credentials.js';
import type { RegistryTarget } from './registry.js';

/**
 * The ECR client for a registry: its URL as the endpoint, credentials from the
 * AWS default chain, signatures scoped to `ecr` locally and to `execute-api`
 * on AWS, where API Gateway's IAM authorizer checks them.
 */
export function createEcrClient(registry: RegistryTarget): ECRClient {
  skipInstanceMetadataFor(registry);
  // SDK v3 clients scope signatures to the `signingName` of their configuration
  // (see @aws-sdk/core's resolveAwsSdkSigV4Config), which ECRClientConfig does not declare.
  const config: ECRClientConfig & { signingName: string } = {
    // AWS principals call the management API under /iam, where API Gateway's IAM authorizer sits.
    endpoint: registry.signingService === 'execute-api' ? `${registry.url.replace(/\/$/, '')}${IAM_PREFIX}` : registry.url,
    region: regionProvider(registry),
    credentials: credentialsProvider(registry),
    signingName: registry.signingService,
  };
  return new ECRClient(config);
}
