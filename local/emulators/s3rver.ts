import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import S3rver from 's3rver';
import { DEFAULT_OBJECT_CACHE_MIB, ObjectCache } from './object-cache.js';
import { ObjectWriters } from './object-writers.js';
import { answerMissingKeysWithoutListBucket } from './s3rver-missing-keys.js';
import { checkMultipartUploads } from './s3rver-multipart.js';
import { readObjectsInLargeChunks, serveKeptObjects } from './s3rver-object-reads.js';
import { supportPendingUploads } from './s3rver-pending-uploads.js';
import { checkPresignedRequests } from './s3rver-presigned-auth.js';
import { adoptSpooledFiles, prepareSpool } from './s3rver-spooled-files.js';
import { putObjectsAsS3Does } from './s3rver-put-object.js';

export interface RunningS3 {
  endpoint: string;
  /** Where a client on this machine may write a PutObject's body first; see ./s3rver-spooled-files.ts. */
  spoolDirectory: string;
  stop(): Promise<void>;
}

/**
 * Starts s3rver in this process on loopback only, keeping objects under `directory`, with the
 * extensions that make it answer as S3 answers Berth's roles, and up to `cacheBytes` of recently
 * read objects in memory.
 */
export async function startS3rver(directory: string, cacheBytes = DEFAULT_OBJECT_CACHE_MIB * 1024 * 1024): Promise<RunningS3> {
  const path = resolve(directory);
  mkdirSync(path, { recursive: true });
  // Beside the buckets, not among them: s3rver would list a directory in its root as a bucket.
  const spoolDirectory = `${path}-spool`;
  await prepareSpool(spoolDirectory);
  // Port 0: the system picks a free one as it binds, so no other server can take it in between.
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory: path, silent: true });
  dropRequestLogs(server);
  const writers = new ObjectWriters();
  putObjectsAsS3Does(server, writers);
  adoptSpooledFiles(server, spoolDirectory);
  checkMultipartUploads(server);
  supportPendingUploads(server);
  answerMissingKeysWithoutListBucket(server);
  const cache = new ObjectCache(cacheBytes);
  readObjectsInLargeChunks(server, cache);
  serveKeptObjects(server, cache);
  // Outermost: S3 checks the signature before anything else.
  checkPresignedRequests(server);
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spoolDirectory,
    stop: async () => {
      await server.close();
      await writers.close();
    },
  };
}

/**
 * s3rver formats a colored log line for every request even when silent, then discards it: a tenth
 * of a millisecond of every object a pull downloads. Its logger for warnings and errors stays.
 */
function dropRequestLogs(server: S3rver): void {
  const index = server.middleware.findIndex((middleware) => middleware.name === 'logger');
  if (index >= 0) server.middleware.splice(index, 1);
}
