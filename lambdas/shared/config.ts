import type { RegistryConfig } from '../registry/config.js';
import { MAX_REQUEST_BODY_BYTES } from './limits.js';

/** Everything a Lambda function reads from its environment, validated once at cold start. */
export interface EnvironmentConfig {
  region: string;
  table: string;
  bucket: string;
  registry: RegistryConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string, hint: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(`${name} is not set: ${hint}`);
  return value.trim();
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

function seconds(env: Env, name: string, fallback: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) {
    throw new ConfigError(`${name} must be a whole number of seconds from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

export function parseEnvironment(env: Env): EnvironmentConfig {
  return {
    region: required(env, 'AWS_REGION', 'the Lambda runtime sets it; locally, npm start does'),
    table: required(env, 'BERTH_TABLE', 'the DynamoDB table name, set by the CDK stack'),
    bucket: required(env, 'BERTH_BUCKET', 'the S3 bucket name, set by the CDK stack'),
    registry: {
      createOnPush: boolean(env, 'BERTH_CREATE_ON_PUSH', false),
      // SigV4 presigned URLs live at most 7 days; a few minutes suffice for a pull.
      downloadUrlSeconds: seconds(env, 'BERTH_DOWNLOAD_URL_SECONDS', 300, 604_800),
      uploadTtlSeconds: seconds(env, 'BERTH_UPLOAD_TTL_SECONDS', 24 * 3600, 7 * 24 * 3600),
      maxRequestBodyBytes: MAX_REQUEST_BODY_BYTES,
    },
  };
}
