import type { Context } from 'aws-lambda';
import { awsEventSink } from '../events/aws-event-sink.js';
import { eventBusOf } from '../events/config.js';
import { RegistryEvents } from '../events/registry-events.js';
import { composeGarbageCollector } from '../gc/compose.js';
import { parseGcEnvironment } from '../gc/settings.js';
import { DynamoDocuments } from '../aws/dynamodb.js';
import { S3Api } from '../aws/s3.js';
import { parseJobsEnvironment } from '../shared/config.js';
import { DynamoMetadataStore } from '../store/dynamo-metadata-store.js';
import { S3BlobStore } from '../store/s3-blob-store.js';
import { collectGarbage } from './gc-job.js';
import { runLifecyclePolicies } from './lifecycle-job.js';

/**
 * The scheduled jobs Lambda: applies every repository's lifecycle policy, then collects garbage
 * (what deleted images, repositories and abandoned pushes left) until shortly before its time
 * limit, the next run resuming where it stopped. Expired upload sessions need no job: DynamoDB's
 * TTL removes them, and the bucket's lifecycle rules remove what they left in S3.
 */
const config = parseJobsEnvironment(process.env);
const gcConfig = parseGcEnvironment(process.env);
const dynamo = new DynamoDocuments({ region: config.region });
const store = new DynamoMetadataStore(dynamo, config.table);
// Images the lifecycle policies expire are announced as a user's deletes are.
const events = new RegistryEvents(awsEventSink({ region: config.region }, eventBusOf(process.env)), () => new Date());
const collector = composeGarbageCollector({
  dynamo, table: config.table, store, blobs: new S3BlobStore(new S3Api({ region: config.region }), gcConfig.bucket),
  graceSeconds: gcConfig.graceSeconds, log: (message) => console.error(message),
});

export const handler = async (_event?: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<void> => {
  const report = await runLifecyclePolicies(store, new Date(), (message) => console.error(message), events);
  console.log(JSON.stringify({ job: 'lifecycle', repositories: report.repositories, expired: report.expired.length, failures: report.failures.length }));
  const gc = await collectGarbage(collector, { table: config.table, remainingMs: context?.getRemainingTimeInMillis(), log: (line) => console.log(line) });
  // A failed repository makes the run fail, so that the function's error alarm sees it.
  if (report.failures.length > 0) throw new Error(`lifecycle policies failed for ${report.failures.map((failure) => failure.repository).join(', ')}`);
  if (gc.failures.length > 0) throw new Error(`garbage collection left the links of ${gc.failures.map((failure) => failure.repository).join(', ')} alone`);
};
