import { ConfigError, wholeNumber } from '../shared/env-values.js';
import { MAX_SQS_DELAY_SECONDS } from './sqs-queue.js';
import { DEFAULT_DELIVERY_SETTINGS, type DeliverySettings } from './settings.js';

type Env = Record<string, string | undefined>;

/** BERTH_WEBHOOK_*: how deliveries are timed, in seconds (docs/configuration.md). */
export function parseDeliverySettings(env: Env): DeliverySettings {
  const seconds = (name: string, fallbackMs: number, min: number, max: number) => wholeNumber(env, name, fallbackMs / 1000, min, max, 'seconds') * 1000;
  const settings = {
    timeoutMs: seconds('BERTH_WEBHOOK_TIMEOUT_SECONDS', DEFAULT_DELIVERY_SETTINGS.timeoutMs, 1, 60),
    retryMs: seconds('BERTH_WEBHOOK_RETRY_SECONDS', DEFAULT_DELIVERY_SETTINGS.retryMs, 1, MAX_SQS_DELAY_SECONDS),
    maxRetryMs: seconds('BERTH_WEBHOOK_MAX_RETRY_SECONDS', DEFAULT_DELIVERY_SETTINGS.maxRetryMs, 1, MAX_SQS_DELAY_SECONDS),
    giveUpMs: seconds('BERTH_WEBHOOK_GIVE_UP_SECONDS', DEFAULT_DELIVERY_SETTINGS.giveUpMs, 60, 7 * 24 * 3600),
  };
  if (settings.maxRetryMs < settings.retryMs) {
    throw new ConfigError('BERTH_WEBHOOK_MAX_RETRY_SECONDS must be at least BERTH_WEBHOOK_RETRY_SECONDS, the first pause');
  }
  return settings;
}

export interface DeliveryEnvironment {
  region: string;
  table: string;
  /** The delivery function's own queue, where retries wait. */
  queueUrl: string;
  registryHost: string;
  settings: DeliverySettings;
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is not set: the CDK stack sets it on the webhook delivery function`);
  return value;
}

/** What the webhook delivery function reads from its environment, once at cold start. */
export function parseDeliveryEnvironment(env: Env): DeliveryEnvironment {
  return {
    region: required(env, 'AWS_REGION'),
    table: required(env, 'BERTH_TABLE'),
    queueUrl: required(env, 'BERTH_WEBHOOK_QUEUE_URL'),
    registryHost: required(env, 'BERTH_REGISTRY_HOST'),
    settings: parseDeliverySettings(env),
  };
}
