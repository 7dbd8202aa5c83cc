import { createHash } from 'node:crypto';
import type { SqsQueue } from '../aws/sqs.js';
import { jobKey, type JobDispatch, type PullThroughJob } from './jobs.js';

/**
 * Jobs on AWS go to a FIFO queue that feeds the pull-through function (up to 15 minutes a job,
 * where the registry function has API Gateway's 30 s). FIFO for its deduplication: a client
 * asking again for a blob still being stored, or many clients pulling the same new image, start
 * one job per 5 minutes, not one each. The job's key is also its group, so jobs of different
 * images and blobs run side by side; a failed job comes back after the visibility timeout, and
 * to the dead-letter queue in the end.
 */
export function sqsJobDispatch(queue: Pick<SqsQueue, 'sendMessage'>): JobDispatch {
  return async (job) => {
    // SQS takes ids of at most 128 characters; repository names go up to 256.
    const id = createHash('sha256').update(jobKey(job)).digest('hex');
    await queue.sendMessage({ MessageBody: JSON.stringify(job), MessageGroupId: id, MessageDeduplicationId: id });
  };
}

/** A queued message's job, or undefined when it is not one. */
export function jobOf(body: string): PullThroughJob | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const job = value as Partial<PullThroughJob> | null;
  if (typeof job?.repository !== 'string' || typeof job.digest !== 'string') return undefined;
  return job.kind === 'image' || job.kind === 'blob' ? job as PullThroughJob : undefined;
}
