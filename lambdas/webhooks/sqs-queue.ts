import type { SqsQueue } from '../aws/sqs.js';
import type { DeliveryJob, RetryQueue } from './retry-queue.js';

/** SQS delays a message by at most 15 minutes. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** The delivery function's own queue: a retry is a message delayed by the pause before it. */
export class SqsRetryQueue implements RetryQueue {
  constructor(private readonly queue: Pick<SqsQueue, 'sendMessage'>) {}

  async later(job: DeliveryJob, delayMs: number): Promise<void> {
    await this.queue.sendMessage({
      MessageBody: JSON.stringify(job),
      DelaySeconds: Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil(delayMs / 1000)),
    });
  }
}
