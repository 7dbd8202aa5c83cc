import { eventBusOf } from '../events/config.js';
import { parsePullThroughEnvironment, type PullThroughEnvironment } from '../pull-through/config.js';
import type { RegistryConfig } from '../registry/config.js';
import { DEFAULT_STS_TIMEOUT_SECONDS, type StsSettings } from '../auth/sts-identity.js';
import { boolean, ConfigError, required, seconds, wholeNumber, type Env } from './env-values.js';
import { MAX_REQUEST_BODY_BYTES } from './limits.js';

/** ECR's registry tokens last 12 hours; so do Berth's unless configured otherwise. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 12 * 3600;

/** Repository policies and access keys each function instance remembers, at most, per cache. */
export const DEFAULT_POLICY_CACHE_ENTRIES = 1000;
/** BERTH_STS_REQUEST_MAX_AGE_SECONDS's default: AWS's own clock-skew allowance for a signature. */
export const DEFAULT_STS_REQUEST_MAX_AGE_SECONDS = 300;
/** BERTH_TOKEN_KEY_REFRESH_SECONDS's default. */
export const DEFAULT_TOKEN_KEY_REFRESH_SECONDS = 30;
/** BERTH_READ_AHEAD_SECONDS's default: long enough for most pulls' blob GETs to follow their manifest GET. */
export const DEFAULT_READ_AHEAD_SECONDS = 30;

/** Everything a Lambda function reads from its environment, validated once at cold start. */
export interface EnvironmentConfig {
  region: string;
  accountId: string;
  table: string;
  bucket: string;
  /** Host clients put in image names (the custom domain, or the API's own host). */
  registryHost: string;
  tokenSecretArn: string;
  tokenLifetimeSeconds: number;
  policyCacheSeconds: number;
  /** Bounds the policy and access-key caches of each function instance (anonymous requests may name any repository). */
  policyCacheEntries: number;
  /** A deleted access key's registry tokens are refused within this many seconds (0: at once). */
  accessKeyCacheSeconds: number;
  /** The least time between re-reads of the token-signing keys prompted by an unknown key ID. */
  tokenKeyRefreshSeconds: number;
  registry: RegistryConfig;
  /** The EventBridge bus that pushes, deletes and repository changes go on (BERTH_EVENT_BUS); none when absent. */
  eventBus?: string;
  /** Pull-through cache timing (BERTH_PULL_THROUGH_*), and the queue of its jobs. */
  pullThrough: PullThroughEnvironment;
}

export function parseEnvironment(env: Env): EnvironmentConfig {
  return {
    region: required(env, 'AWS_REGION', 'the Lambda runtime sets it; locally, npm start does'),
    accountId: required(env, 'BERTH_ACCOUNT_ID', 'the AWS account that owns the registry, set by the CDK stack'),
    table: required(env, 'BERTH_TABLE', 'the DynamoDB table name, set by the CDK stack'),
    bucket: required(env, 'BERTH_BUCKET', 'the S3 bucket name, set by the CDK stack'),
    registryHost: required(env, 'BERTH_REGISTRY_HOST', 'the registry host name, set by the CDK stack'),
    tokenSecretArn: required(env, 'BERTH_TOKEN_SECRET_ARN', 'the Secrets Manager secret holding the token-signing key, set by the CDK stack'),
    tokenLifetimeSeconds: seconds(env, 'BERTH_TOKEN_LIFETIME_SECONDS', DEFAULT_TOKEN_LIFETIME_SECONDS, 7 * 24 * 3600),
    policyCacheSeconds: seconds(env, 'BERTH_POLICY_CACHE_SECONDS', 10, 3600),
    policyCacheEntries: wholeNumber(env, 'BERTH_POLICY_CACHE_ENTRIES', DEFAULT_POLICY_CACHE_ENTRIES, 1, 100_000, 'entries'),
    accessKeyCacheSeconds: seconds(env, 'BERTH_ACCESS_KEY_CACHE_SECONDS', 15, 300, 0),
    tokenKeyRefreshSeconds: seconds(env, 'BERTH_TOKEN_KEY_REFRESH_SECONDS', DEFAULT_TOKEN_KEY_REFRESH_SECONDS, 3600),
    ...(eventBusOf(env) ? { eventBus: eventBusOf(env) } : {}),
    pullThrough: parsePullThroughEnvironment(env),
    registry: {
      createOnPush: boolean(env, 'BERTH_CREATE_ON_PUSH', false),
      // SigV4 presigned URLs live at most 7 days; a few minutes suffice for a pull.
      downloadUrlSeconds: seconds(env, 'BERTH_DOWNLOAD_URL_SECONDS', 300, 604_800),
      readAheadSeconds: seconds(env, 'BERTH_READ_AHEAD_SECONDS', DEFAULT_READ_AHEAD_SECONDS, 3600, 0),
      uploadTtlSeconds: seconds(env, 'BERTH_UPLOAD_TTL_SECONDS', 24 * 3600, 7 * 24 * 3600),
      maxRequestBodyBytes: MAX_REQUEST_BODY_BYTES,
      ...gatewayUrl(env),
      uploadPartBytes: wholeNumber(env, 'BERTH_GATEWAY_PART_MIB', 8, 5, 512, 'MiB') * 1024 * 1024,
    },
  };
}

/** Where upload sessions continue, when the stack runs an upload gateway: HTTPS only, for upload bytes. */
function gatewayUrl(env: Env): { uploadGatewayUrl?: string } {
  const value = env.BERTH_UPLOAD_GATEWAY_URL?.trim();
  if (value === undefined || value === '') return {};
  if (!/^https:\/\/[^/?#]+$/.test(value)) {
    throw new ConfigError(`BERTH_UPLOAD_GATEWAY_URL must be an https:// URL with no path, such as https://uploads.registry.example.com, got ${JSON.stringify(value)}`);
  }
  return { uploadGatewayUrl: value };
}

/** The upload gateway's own settings, beside the registry's environment. */
export function parseGatewayEnvironment(env: Env): { port: number; host: string; maxUploads: number } {
  return {
    port: wholeNumber(env, 'PORT', 8080, 1, 65_535, 'port'),
    host: env.BERTH_GATEWAY_HOST?.trim() || '0.0.0.0',
    // Each upload holds at most three parts in memory: 32 uploads of 8 MiB parts stay under 768 MiB.
    maxUploads: wholeNumber(env, 'BERTH_GATEWAY_MAX_UPLOADS', 32, 1, 10_000, 'uploads'),
  };
}

/**
 * Where the management function verifies identities of other accounts: BERTH_STS_ENDPOINT (the
 * stack sets its region's endpoint), or none, which turns the STS token routes off. HTTPS only,
 * except on this machine's loopback, where tests run an STS of their own.
 */
export function parseStsSettings(env: Env): StsSettings | undefined {
  const endpoint = env.BERTH_STS_ENDPOINT?.trim();
  if (endpoint === undefined || endpoint === '') return undefined;
  const loopback = /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?$/;
  if (!/^https:\/\/[^/?#]+$/.test(endpoint) && !loopback.test(endpoint)) {
    throw new ConfigError(`BERTH_STS_ENDPOINT must be an https:// URL with no path, such as https://sts.eu-west-1.amazonaws.com, got ${JSON.stringify(endpoint)}`);
  }
  return {
    endpoint,
    maxAgeSeconds: seconds(env, 'BERTH_STS_REQUEST_MAX_AGE_SECONDS', DEFAULT_STS_REQUEST_MAX_AGE_SECONDS, 900),
    timeoutSeconds: seconds(env, 'BERTH_STS_TIMEOUT_SECONDS', DEFAULT_STS_TIMEOUT_SECONDS, 25),
  };
}

/** The management function also unseals issued access keys with a key from Secrets Manager, and verifies other accounts' principals through STS. */
export function parseManagementEnvironment(env: Env): EnvironmentConfig & { sealingSecretArn: string; sts?: StsSettings } {
  const sts = parseStsSettings(env);
  return {
    ...parseEnvironment(env),
    ...(sts ? { sts } : {}),
    sealingSecretArn: required(env, 'BERTH_SEALING_SECRET_ARN', 'the secret that seals issued access keys, set by the CDK stack'),
  };
}

/** The scheduled jobs function needs only the table. */
export function parseJobsEnvironment(env: Env): { region: string; table: string } {
  return {
    region: required(env, 'AWS_REGION', 'the Lambda runtime sets it'),
    table: required(env, 'BERTH_TABLE', 'the DynamoDB table name, set by the CDK stack'),
  };
}
