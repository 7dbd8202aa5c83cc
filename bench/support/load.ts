import { performance } from 'node:perf_hooks';

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Sends `total` requests from `concurrency` clients, each starting its next
 * request when the previous one ends (a closed loop, like a pulling client).
 * `request` must read the whole response so its connection goes back to the pool.
 */
export async function runLoad(options: { total: number; concurrency: number; request: () => Promise<void> }): Promise<LoadResult> {
  const latencies: number[] = [];
  let started = 0;
  const client = async () => {
    while (started < options.total) {
      started += 1;
      const begin = performance.now();
      await options.request();
      latencies.push(performance.now() - begin);
    }
  };
  const begin = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, client));
  const seconds = (performance.now() - begin) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** Nearest-rank percentile of ascending `sorted`. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
