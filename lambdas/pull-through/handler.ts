import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { awsParts } from '../aws-parts.js';
import { parseEnvironment } from '../shared/config.js';
import { composeImageImport } from './job-runner.js';
import { jobOf } from './sqs-jobs.js';

/**
 * The pull-through function: stores in the bucket, through the upload code, what a first pull
 * brought from an upstream (a blob, or an image's blobs then its manifests). Fed by the FIFO
 * queue the registry function sends jobs to; a job that throws is reported failed alone, comes
 * back after the queue's visibility timeout, and goes to the dead-letter queue in the end.
 */
const importer = composeImageImport(awsParts(parseEnvironment(process.env)));

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const results = await Promise.allSettled(event.Records.map(async (record) => {
    const job = jobOf(record.body);
    if (!job) {
      console.error(`ignored a message that is not a pull-through job: ${record.body.slice(0, 500)}`);
      return;
    }
    await importer.run(job);
  }));
  return {
    batchItemFailures: results.flatMap((result, index) => {
      if (result.status === 'fulfilled') return [];
      console.error(`pull-through job ${event.Records[index]!.messageId} failed: ${String(result.reason)}`);
      return [{ itemIdentifier: event.Records[index]!.messageId }];
    }),
  };
};
