import type { DeliveryJob, RetryQueue } from './retry-queue.js';

/**
 * Local mode's retry queue: a timer per job, in the registry's process. Jobs waiting when the
 * process stops are lost (the deliveries list shows their last failed attempt); on AWS, SQS keeps them.
 */
export class TimerQueue implements RetryQueue {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly run: (job: DeliveryJob) => Promise<void>,
    private readonly log: (message: string) => void,
  ) {}

  async later(job: DeliveryJob, delayMs: number): Promise<void> {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.run(job).catch((error: unknown) => this.log(`webhook ${job.webhook}: delivery attempt ${job.attempt} failed to run: ${String(error)}`));
    }, delayMs);
    // Waiting retries do not keep the process alive.
    timer.unref();
    this.timers.add(timer);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
