import type { GarbageCollector, GcReport } from '../gc/garbage-collector.js';
import { gcLogLine } from '../gc/metrics.js';

/** Time left for the rest of the run once collection stops starting new work: saving the cursor and logging. */
const RESERVE_MS = 30_000;

export interface GcJobOptions {
  /** Names the registry in the metrics. */
  table: string;
  /** Time the run has left; without it, the pass runs to its end. */
  remainingMs: number | undefined;
  log: (line: string) => void;
}

/**
 * One scheduled run of the garbage collector: resumes the pass where the last run stopped, stops
 * starting work shortly before the time limit, saves where it got to, and logs what it reclaimed
 * with the BytesStored and BytesReclaimed metrics.
 */
export async function collectGarbage(collector: GarbageCollector, options: GcJobOptions): Promise<GcReport> {
  const cursor = await collector.savedCursor();
  const outcome = await collector.run({
    ...(cursor ? { cursor } : {}),
    ...(options.remainingMs === undefined ? {} : { deadline: Date.now() + options.remainingMs - RESERVE_MS }),
  });
  await collector.saveCursor(outcome.cursor);
  options.log(gcLogLine(options.table, outcome.report, await collector.storedBytes(), outcome.cursor === undefined, new Date()));
  return outcome.report;
}
