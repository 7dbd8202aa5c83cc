import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadJob } from './load-child.js';
import type { LoadResult } from './load.js';

const CHILD = fileURLToPath(new URL('./load-child.ts', import.meta.url));

/**
 * Runs `job` in a child Node process (through tsx, as the bench itself runs).
 * `measuring` is called once the warm-up is over, just before the measured
 * requests start, so callers can read counters around them alone.
 */
export function runLoadInChild(job: LoadJob, measuring: () => void = () => undefined): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout === 'warm\n') {
        measuring();
        child.stdin.end('go\n');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout.slice('warm\n'.length)) as LoadResult);
      else reject(new Error(`the load generator exited with ${code}:\n${stderr}`));
    });
  });
}
