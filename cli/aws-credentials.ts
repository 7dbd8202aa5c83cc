import { resolve } from 'node:path';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';
import type { AwsCredentialIdentity } from '@smithy/types';
import { ADMIN_PROFILE, readAdminKey } from '../local/admin-credentials.js';
import { LOCAL_REGION } from '../local/emulators/local-aws.js';
import { findLocalRegistry } from '../local/local-registries.js';
import { CliError } from './errors.js';
import type { RegistryTarget } from './registry.js';

/**
 * Who `berth` and `docker-credential-berth` sign as, and in which region: the
 * AWS default chain, with local mode's administrator key as the fallback for a
 * registry on this machine. Shared by the ECR client and the signed requests
 * Berth's own routes take (tokens, access keys).
 */

export type CredentialsProvider = () => Promise<AwsCredentialIdentity>;

export interface CredentialOptions {
  /** Local mode's data directory for the fallback key; default localDataDir's. */
  dataDir?: string;
}

/**
 * The data directory of the local registry at `registryUrl`: $BERTH_DATA_DIR, else the one
 * `npm start` recorded for that URL; undefined when neither names one.
 */
export function localDataDir(registryUrl: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.BERTH_DATA_DIR) return resolve(env.BERTH_DATA_DIR);
  return findLocalRegistry(env, registryUrl)?.dataDir;
}

/**
 * A local registry knows only its administrator's key, so there is nothing to gain from
 * EC2's instance metadata service, and off EC2 asking it for credentials or a region takes a second.
 */
export function skipInstanceMetadataFor(registry: RegistryTarget): void {
  if (registry.local) process.env.AWS_EC2_METADATA_DISABLED ??= 'true';
}

/**
 * The default chain (env, SSO, shared files, process, web identity, containers, EC2);
 * for a local registry without any, the administrator's key that `npm start` wrote.
 */
export function credentialsProvider(registry: RegistryTarget, options: CredentialOptions = {}): CredentialsProvider {
  const chain = defaultProvider();
  return async () => {
    try {
      return await chain();
    } catch (error) {
      if (!registry.local) throw error;
      const dataDir = options.dataDir ?? localDataDir(registry.url);
      if (dataDir === undefined) {
        throw new CliError('CredentialsProviderError', `no AWS credentials are configured, and no local registry was started at ${registry.url} to take the administrator key from`,
          'start it with `npm start` (it records where its key is), name the running one with --registry, or set BERTH_DATA_DIR to its data directory');
      }
      const { keys, file } = readAdminKey(dataDir);
      if (keys) return keys;
      throw new CliError('CredentialsProviderError', `no AWS credentials are configured, and ${file} holds no ${ADMIN_PROFILE} key`,
        'start the local registry with `npm start`, which writes that file, or set BERTH_DATA_DIR to its data directory');
    }
  };
}

/** The region of an API Gateway URL (the only one its authorizer accepts), else AWS_REGION or the profile's, else us-east-1 locally. */
export function regionProvider(registry: RegistryTarget): () => Promise<string> {
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
