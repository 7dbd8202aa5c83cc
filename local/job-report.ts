import type { LifecycleRunReport } from '../lambdas/jobs/lifecycle-job.js';

/** Lines for `npm start`'s log about its background jobs; a run that found nothing to do says nothing. */

export function reportSweep(removed: number, write: ((line: string) => void) | undefined): void {
  if (removed > 0) write?.(`upload sweep: removed ${removed} expired upload${removed === 1 ? '' : 's'}`);
}

export function reportLifecycle(report: LifecycleRunReport, write: ((line: string) => void) | undefined): void {
  if (report.expired.length > 0) {
    write?.(`lifecycle policies: expired ${report.expired.map(({ repository, digest }) => `${repository}@${digest}`).join(', ')}`);
  }
  // Failures are logged as they happen, as errors (see runLifecyclePolicies).
}
