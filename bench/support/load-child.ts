import { runLoad } from './load.js';

/**
 * A load generator in a process of its own, so that the registry under test
 * never shares an event loop or a core's time slice with its clients. Reads a
 * LoadJob as JSON from argv, sends the warm-up and then the measured requests,
 * and prints the LoadResult as JSON.
 */
export interface LoadJob {
  url: string;
  method: string;
  headers: Record<string, string>;
  status: number;
  concurrency: number;
  warmup: number;
  total: number;
}

const job = JSON.parse(process.argv[2]!) as LoadJob;

async function request(): Promise<void> {
  // Node's fetch (undici) keeps connections alive: each client reuses its socket.
  const response = await fetch(job.url, { method: job.method, headers: job.headers, redirect: 'manual' });
  // Reading the (empty) body returns the connection to the pool.
  await response.arrayBuffer();
  if (response.status !== job.status) throw new Error(`${job.method} ${job.url} answered ${response.status}, not ${job.status}`);
}

const main = async () => {
  await runLoad({ total: job.warmup, concurrency: job.concurrency, request });
  process.stdout.write('warm\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.destroy();
  process.stdout.write(JSON.stringify(await runLoad({ total: job.total, concurrency: job.concurrency, request })));
};
main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
