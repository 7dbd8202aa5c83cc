import { spawn } from 'node:child_process';

/** How long a bundle's import took: wall time, and the CPU time of the process meanwhile. */
export interface InitTime {
  wallMs: number;
  cpuMs: number;
}

/**
 * Module-init time of a bundle: from the start of its import to its end, in a
 * fresh Node.js process each time (a Lambda cold start loads the bundle into a
 * new runtime), as the process itself measures it, so that Node's own start is
 * left out as Lambda's is. The medians of `runs`; CPU time suffers less than
 * wall time from other processes on a shared machine.
 */
export async function medianInit(file: string, env: NodeJS.ProcessEnv, runs: number, nodeOptions: string[] = []): Promise<InitTime> {
  const times: InitTime[] = [];
  for (let run = 0; run < runs; run += 1) times.push(await init(file, env, nodeOptions));
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { wallMs: median(times.map((time) => time.wallMs)), cpuMs: median(times.map((time) => time.cpuMs)) };
}

const PROBE = `
const cpu = process.cpuUsage();
const started = performance.now();
await import(process.env.BENCH_BUNDLE);
const wallMs = performance.now() - started;
const { user, system } = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ wallMs, cpuMs: (user + system) / 1000 }));
process.exit(0);
`;

function init(file: string, env: NodeJS.ProcessEnv, nodeOptions: string[]): Promise<InitTime> {
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
      if (code === 0 && stdout.startsWith('{')) resolve(JSON.parse(stdout) as InitTime);
      else reject(new Error(`${file} did not start (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}`));
    });
  });
}
