import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { S3Api } from '../../lambdas/aws/s3.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { startS3rver, type RunningS3 } from '../../local/emulators/s3rver.js';
import { ensureBucket } from '../../local/provision.js';

/** Local mode's S3 (s3rver with Berth's extensions), of one test file's own, with one bucket. */
export interface LocalS3 {
  endpoint: string;
  /** The AWS SDK's client. */
  client: S3Client;
  /** Berth's own client, as the functions use it. */
  api: S3Api;
  /** An object's URL, path-style. */
  url(key: string): string;
  /** Every file under the bucket: objects, what s3rver keeps beside them, and anything left behind. */
  files(): string[];
  /** Where a local client writes bodies for the emulator to take (local/emulators/s3rver-spooled-files.ts). */
  spoolDirectory: string;
}

/**
 * The AWS SDK's own S3 client on a local S3: what tests use to drive or inspect the emulator as
 * any S3 tool would, beside the small client Berth's functions use (lambdas/aws/s3.ts).
 */
export function sdkS3Client(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string } = LOCAL_CREDENTIALS): S3Client {
  // Checksums only when required: by default uploads use aws-chunked framing, which s3rver stores verbatim.
  return new S3Client({ region: LOCAL_REGION, endpoint, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

/** A local S3 for this file, started before its tests; `cacheBytes` is BERTH_S3_CACHE_MIB's, in bytes (default its default). */
export function useLocalS3(bucket: string, cacheBytes?: number): () => LocalS3 {
  let directory: string | undefined;
  let s3: RunningS3 | undefined;
  let local: LocalS3 | undefined;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'berth-s3rver-'));
    s3 = await startS3rver(directory, cacheBytes);
    const api = new S3Api({ region: LOCAL_REGION, endpoint: s3.endpoint, credentials: LOCAL_CREDENTIALS });
    await ensureBucket(api, bucket);
    const client = sdkS3Client(s3.endpoint);
    const root = join(directory, bucket);
    local = {
      endpoint: s3.endpoint,
      client,
      api,
      url: (key) => `${s3!.endpoint}/${bucket}/${key}`,
      files: () => readdirSync(root, { recursive: true }).map(String),
      spoolDirectory: s3.spoolDirectory,
    };
  });
  afterAll(async () => {
    local?.client.destroy();
    await s3?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });
  return () => {
    if (!local) throw new Error('local S3 not started');
    return local;
  };
}
