/**
 * Work the cache does after it has answered: storing a blob the upstream
 * serves, and storing a whole image (its blobs, then its manifests) so that it
 * becomes an image of the repository like any pushed one.
 */
export type PullThroughJob =
  | { kind: 'image'; repository: string; digest: string; tag?: string }
  | { kind: 'blob'; repository: string; digest: string; size?: number };

/**
 * Starts a job without waiting for it. On AWS this invokes the pull-through
 * function asynchronously (up to 15 minutes, beyond the API's 30 s); locally
 * the job runs in the same process.
 */
export type JobDispatch = (job: PullThroughJob) => Promise<void>;

export function jobKey(job: PullThroughJob): string {
  return `${job.kind} ${job.repository} ${job.digest} ${job.kind === 'image' ? job.tag ?? '' : ''}`;
}

/** Runs jobs in this process, one at a time per key; `settled` waits for those under way (tests, shutdown). */
export class InProcessJobs {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly log: (message: string, error: unknown) => void) {}

  dispatch(run: (job: PullThroughJob) => Promise<void>): JobDispatch {
    return async (job) => {
      const key = jobKey(job);
      if (this.running.has(key)) return;
      const done = run(job)
        .catch((error: unknown) => this.log(`pull-through ${job.kind} ${job.repository}@${job.digest} failed`, error))
        .finally(() => this.running.delete(key));
      this.running.set(key, done);
    };
  }

  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }
}
