import { resolve } from 'node:path';
import { ECRClient, type ECRClientConfig } from '@aws-sdk/client-ecr';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';
import { ADMIN_PROFILE, readAdminKey } from '../local/admin-credentials.js';
import { LOCAL_REGION } from '../local/emulators/local-aws.js';
import { IAM_PREFIX } from '../lambdas/shared/paths.js';
import { CliError } from './errors.js';
import type { RegistryTarget } from './registry.js';

/**
 * The ECR client for a registry: its URL as the endpoint, credentials from the
 * AWS default chain, signatures scoped to `ecr` locally and to `execute-api`
 * on AWS, where API Gateway's IAM authorizer checks them.
 */
export function createEcrClient(registry: RegistryTarget): ECRClient {
  if (registry.local) {
    // A local registry knows only its administrator's key, so there is nothing to gain from
    // EC2's instance metadata service, and off EC2 asking it for credentials or a region takes a second.
    process.env.AWS_EC2_METADATA_DISABLED ??= 'true';
  }
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

/** Local mode's data directory, as `npm start` resolves it (local/main.ts). */
export function localDataDir(): string {
  return resolve(process.env.BERTH_DATA_DIR ?? '.berth');
}

/**
 * The default chain (env, SSO, shared files, process, web identity, containers, EC2);
 * for a local registry without any, the administrator's key that `npm start` wrote.
 */
function credentialsProvider(registry: RegistryTarget) {
  const chain = defaultProvider();
  return async () => {
    try {
      return await chain();
    } catch (error) {
      if (!registry.local) throw error;
      const { keys, file } = readAdminKey(localDataDir());
      if (keys) return keys;
      throw new CliError('CredentialsProviderError', `no AWS credentials are configured, and ${file} holds no ${ADMIN_PROFILE} key`,
        'start the local registry with `npm start`, which writes that file, or set BERTH_DATA_DIR to its data directory');
    }
  };
}

/** The region of an API Gateway URL (the only one its authorizer accepts), else AWS_REGION or the profile's, else us-east-1 locally. */
function regionProvider(registry: RegistryTarget): () => Promise<string> {
  const fromUrl = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(registry.url).hostname)?.[1];
  const configured = loadConfig(NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS);
  return async () => {
    if (fromUrl) return fromUrl;
    try {
      return await configured();
    } catch {
      if (registry.local) return LOCAL_REGION;
      throw new CliError('MissingRegion', `no AWS region is configured for ${registry.url}`, 'set AWS_REGION, or a region in your AWS profile');
    }
  };
}
