import type { GcReport } from './garbage-collector.js';

/** Where the garbage collector's metrics are published (CloudWatch embedded metric format). */
export const GC_METRICS_NAMESPACE = 'Berth';
/** The dimension that tells registries apart: their table's name. */
export const GC_METRICS_DIMENSION = 'Table';

/**
 * The log line of one collection run: what it reclaimed, in words for a reader and as an
 * embedded-metric-format record, from which CloudWatch takes BytesStored and BytesReclaimed with
 * no API call (lib/registry-monitoring.ts graphs them).
 */
export function gcLogLine(table: string, report: GcReport, storedBytes: number, complete: boolean, now: Date): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [{
        Namespace: GC_METRICS_NAMESPACE,
        Dimensions: [[GC_METRICS_DIMENSION]],
        Metrics: [{ Name: 'BytesStored', Unit: 'Bytes' }, { Name: 'BytesReclaimed', Unit: 'Bytes' }],
      }],
    },
    [GC_METRICS_DIMENSION]: table,
    job: 'garbage-collection',
    message: `garbage collection ${complete ? 'finished its pass' : 'stopped for the time limit; the next run resumes'}: reclaimed ${describeReclaimed(report)}`,
    BytesStored: storedBytes,
    BytesReclaimed: report.bytes,
    blobs: report.blobs,
    links: report.links,
    manifests: report.manifests,
    objects: report.objects,
    failures: report.failures.length,
  });
}

/** "3 blobs, 1.2 MiB (1258291 bytes)", as the log, `npm start` and `berth gc` say it. */
export function describeReclaimed(report: Pick<GcReport, 'blobs' | 'bytes'>): string {
  return `${report.blobs} blob${report.blobs === 1 ? '' : 's'}, ${humanBytes(report.bytes)} (${report.bytes} bytes)`;
}

function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
