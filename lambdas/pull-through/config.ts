import { ConfigError, wholeNumber } from '../shared/env-values.js';

/** How the pull-through cache behaves in time. */
export interface PullThroughConfig {
  /** A cached tag is checked against its upstream at most once per this many seconds (ECR: 24 hours). */
  refreshSeconds: number;
  /**
   * How long a blob GET waits for a blob the upstream serves itself (without redirecting to a CDN)
   * to be stored, before it sends the client back to ask again; below API Gateway's 30 s limit.
   */
  blobWaitSeconds: number;
}

export const DEFAULT_PULL_THROUGH_CONFIG: PullThroughConfig = { refreshSeconds: 24 * 3600, blobWaitSeconds: 20 };

/** BERTH_PULL_THROUGH_REFRESH_SECONDS and BERTH_PULL_THROUGH_BLOB_WAIT_SECONDS, checked once at start. */
export function parsePullThroughConfig(env: Record<string, string | undefined>): PullThroughConfig {
  return {
    refreshSeconds: wholeNumber(env, 'BERTH_PULL_THROUGH_REFRESH_SECONDS', DEFAULT_PULL_THROUGH_CONFIG.refreshSeconds, 0, 30 * 24 * 3600, 'seconds'),
    blobWaitSeconds: wholeNumber(env, 'BERTH_PULL_THROUGH_BLOB_WAIT_SECONDS', DEFAULT_PULL_THROUGH_CONFIG.blobWaitSeconds, 1, 25, 'seconds'),
  };
}

/** What a function on AWS knows of the cache: its timing, and the queue its jobs go to (absent: they run in the caller). */
export interface PullThroughEnvironment {
  config: PullThroughConfig;
  queueUrl?: string;
}

/** The timing, and BERTH_PULL_THROUGH_QUEUE_URL, which the stack sets for the registry function. */
export function parsePullThroughEnvironment(env: Record<string, string | undefined>): PullThroughEnvironment {
  const queueUrl = env.BERTH_PULL_THROUGH_QUEUE_URL?.trim();
  if (queueUrl !== undefined && queueUrl !== '' && !/^https:\/\/[^?#]+\.fifo$/.test(queueUrl)) {
    throw new ConfigError(`BERTH_PULL_THROUGH_QUEUE_URL must be the https:// URL of an SQS FIFO queue (ending .fifo), got ${JSON.stringify(queueUrl)}`);
  }
  return { config: parsePullThroughConfig(env), ...(queueUrl ? { queueUrl } : {}) };
}
