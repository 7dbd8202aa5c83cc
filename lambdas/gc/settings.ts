import { ConfigError, wholeNumber } from '../shared/env-values.js';

/**
 * BERTH_GC_GRACE_SECONDS: how long a blob, link or object must go unused before the garbage
 * collector deletes it. At least an hour: the touch a read leaves may be 15 minutes old
 * (lambdas/store/gc-touch.ts), and a push must finish well within what is left.
 */
export const DEFAULT_GC_GRACE_SECONDS = 24 * 3600;
export const MIN_GC_GRACE_SECONDS = 3600;

export function gcGraceSeconds(env: Record<string, string | undefined>): number {
  return wholeNumber(env, 'BERTH_GC_GRACE_SECONDS', DEFAULT_GC_GRACE_SECONDS, MIN_GC_GRACE_SECONDS, 30 * 24 * 3600, 'seconds');
}

/** What the jobs function needs beside the table to collect garbage: the bucket and the grace period. */
export function parseGcEnvironment(env: Record<string, string | undefined>): { bucket: string; graceSeconds: number } {
  const bucket = env.BERTH_BUCKET?.trim();
  if (!bucket) throw new ConfigError('BERTH_BUCKET is not set: the S3 bucket name, set by the CDK stack');
  return { bucket, graceSeconds: gcGraceSeconds(env) };
}
