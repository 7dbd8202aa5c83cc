import { join } from 'node:path';
import { startDynamoLocal } from './dynamodb-local.js';
import { startS3rver } from './s3rver.js';

export interface Emulators {
  dynamoEndpoint: string;
  s3Endpoint: string;
  /** Where local mode's blob store writes bodies for s3rver to take; see ./s3rver-spooled-files.ts. */
  s3SpoolDirectory: string;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local and s3rver. With `dataDir` both keep data there, so it
 * survives a restart; without, DynamoDB is in memory and S3 data goes to `scratchDir`.
 * s3rver keeps up to `objectCacheBytes` of recently read objects in memory (default BERTH_S3_CACHE_MIB's).
 */
export async function startEmulators(options: { dataDir?: string; scratchDir: string; objectCacheBytes?: number }): Promise<Emulators> {
  const dynamo = await startDynamoLocal(options.dataDir && join(options.dataDir, 'dynamodb'));
  try {
    const s3 = await startS3rver(join(options.dataDir ?? options.scratchDir, 's3'), options.objectCacheBytes);
    return {
      dynamoEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      s3SpoolDirectory: s3.spoolDirectory,
      stop: async () => {
        await Promise.allSettled([s3.stop(), dynamo.stop()]);
      },
    };
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
}
