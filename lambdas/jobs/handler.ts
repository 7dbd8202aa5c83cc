import { documentClient } from '../shared/aws-clients.js';
import { parseJobsEnvironment } from '../shared/config.js';
import { DynamoMetadataStore } from '../store/dynamo-metadata-store.js';
import { runLifecyclePolicies } from './lifecycle-job.js';

/**
 * The scheduled jobs Lambda: applies every repository's lifecycle policy.
 * Expired upload sessions need no job: DynamoDB's TTL removes them, and the
 * bucket's lifecycle rules remove what they left in S3.
 */
const config = parseJobsEnvironment(process.env);
const store = new DynamoMetadataStore(documentClient({ region: config.region }), config.table);

export const handler = async (): Promise<void> => {
  const report = await runLifecyclePolicies(store, new Date(), (message) => console.error(message));
  console.log(JSON.stringify({ job: 'lifecycle', repositories: report.repositories, expired: report.expired.length, failures: report.failures.length }));
  // A failed repository makes the run fail, so that the function's error alarm sees it.
  if (report.failures.length > 0) throw new Error(`lifecycle policies failed for ${report.failures.map((failure) => failure.repository).join(', ')}`);
};
