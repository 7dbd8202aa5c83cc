import type { GcReport } from '../lambdas/gc/garbage-collector.js';
import { describeReclaimed } from '../lambdas/gc/metrics.js';
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

export function reportGarbageCollection(report: GcReport, write: ((line: string) => void) | undefined): void {
  if (report.blobs + report.links + report.manifests + report.objects > 0) {
    write?.(`garbage collection: reclaimed ${describeReclaimed(report)}; removed ${report.links} unreferenced blob link${report.links === 1 ? '' : 's'}`);
  }
  for (const failure of report.failures) write?.(`garbage collection left the links of ${failure.repository} alone: ${failure.reason}`);
}
