import { spawn } from 'node:child_process';

/**
 * Module-init time of a bundle: the time from the start of its import to its
 * end, in a fresh Node.js process each time (a Lambda cold start loads the
 * bundle into a new runtime), as the process itself measures it, so that
 * Node's own start is left out as Lambda's is. The median of `runs`.
 */
export async function medianInitMs(file: string, env: NodeJS.ProcessEnv, runs: number, nodeOptions: string[] = []): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) times.push(await initMs(file, env, nodeOptions));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const PROBE = `
const started = performance.now();
await import(process.env.BENCH_BUNDLE);
process.stdout.write(String(performance.now() - started));
process.exit(0);
`;

function initMs(file: string, env: NodeJS.ProcessEnv, nodeOptions: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeOptions, '--input-type=module', '-e', PROBE], {
      env: { ...env, BENCH_BUNDLE: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(stdout);
      if (code === 0 && Number.isFinite(ms) && stdout !== '') resolve(ms);
      else reject(new Error(`${file} did not start (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}`));
    });
  });
}
