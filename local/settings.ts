import { resolve } from 'node:path';
import { gcGraceSeconds } from '../lambdas/gc/settings.js';
import { lifecyclePreviewSeconds } from '../lambdas/lifecycle/settings.js';
import { DEFAULT_READ_AHEAD_SECONDS } from '../lambdas/shared/config.js';
import { boolean, wholeNumber } from '../lambdas/shared/env-values.js';
import { DEFAULT_OBJECT_CACHE_MIB } from './emulators/object-cache.js';

/** What `npm start` reads from its environment and command line, validated once before anything starts. */
export interface LocalSettings {
  /** PORT: where the registry listens on 127.0.0.1 (default 5000). */
  port: number;
  /** BERTH_DATA_DIR: the table, the objects and the keys (default .berth in the checkout, where npm runs scripts). */
  dataDir: string;
  /** BERTH_CREATE_ON_PUSH: a push to a repository that does not exist creates it (default true locally; false on AWS). */
  createOnPush: boolean;
  /** BERTH_QUIET=true or `npm start -- --quiet`: no line per request nor per background job that did something. */
  quiet: boolean;
  /** BERTH_JOB_INTERVAL_SECONDS: how often the background jobs run (expired uploads, lifecycle policies, garbage collection; default 60). */
  jobIntervalMs: number;
  /**
   * BERTH_POLICY_CACHE_SECONDS: how long the registry remembers a repository's policy (default 10, as deployed; 0 to 3600).
   * Changes made through the running registry apply at once all the same; the bound is for writes from elsewhere.
   */
  policyCacheSeconds: number;
  /**
   * BERTH_READ_AHEAD_SECONDS: how long the blob links a manifest GET read stay for the blob GETs of the pull that follows
   * (default 30, as deployed; 0 to 3600). Every change made through the running registry forgets them.
   */
  readAheadSeconds: number;
  /** BERTH_S3_CACHE_MIB: memory local S3 keeps recently read objects in, for the pulls that read them again (default 256, 0 for none). */
  objectCacheBytes: number;
  /** BERTH_GC_GRACE_SECONDS: how long garbage stays unused before the background jobs collect it (default 86400, at least 3600). */
  gcGraceSeconds: number;
  /** BERTH_LIFECYCLE_PREVIEW_SECONDS: how long GetLifecyclePolicyPreview answers with a preview (default 86400, 60 to 2592000). */
  lifecyclePreviewSeconds: number;
}

export function parseLocalSettings(env: NodeJS.ProcessEnv, argv: readonly string[]): LocalSettings {
  const unknown = argv.find((arg) => arg !== '--quiet');
  if (unknown !== undefined) throw new Error(`npm start takes no argument but --quiet, not '${unknown}'`);
  return {
    port: portOf(env.PORT),
    dataDir: resolve(env.BERTH_DATA_DIR || '.berth'),
    createOnPush: boolean(env, 'BERTH_CREATE_ON_PUSH', true),
    quiet: argv.includes('--quiet') || boolean(env, 'BERTH_QUIET', false),
    jobIntervalMs: wholeNumber(env, 'BERTH_JOB_INTERVAL_SECONDS', 60, 1, 24 * 3600, 'seconds') * 1000,
    policyCacheSeconds: wholeNumber(env, 'BERTH_POLICY_CACHE_SECONDS', 10, 0, 3600, 'seconds'),
    readAheadSeconds: wholeNumber(env, 'BERTH_READ_AHEAD_SECONDS', DEFAULT_READ_AHEAD_SECONDS, 0, 3600, 'seconds'),
    objectCacheBytes: wholeNumber(env, 'BERTH_S3_CACHE_MIB', DEFAULT_OBJECT_CACHE_MIB, 0, 64 * 1024, 'MiB') * 1024 * 1024,
    gcGraceSeconds: gcGraceSeconds(env),
    lifecyclePreviewSeconds: lifecyclePreviewSeconds(env),
  };
}

function portOf(value: string | undefined): number {
  if (value === undefined || value === '') return 5000;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new Error(`PORT must be a port number from 0 to 65535, got ${JSON.stringify(value)}`);
  return port;
}
