import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** local/main.ts run as `npm start` runs it, in its own process, and what tests watch of it. */

export interface StartedBerth {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr together. */
  output(): string;
}

export function startBerth(env: NodeJS.ProcessEnv, options: { args?: string[]; preload?: string } = {}): StartedBerth {
  const child = spawn(process.execPath, ['--import', 'tsx', ...(options.preload ? ['--import', options.preload] : []), 'local/main.ts', ...(options.args ?? [])], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

export async function waitFor(check: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

/** Whether a DynamoDB Local JVM for this data directory is still running. */
export function jvmRunning(dataDir: string): boolean {
  return spawnSync('pgrep', ['-f', '--', `-dbPath ${join(dataDir, 'dynamodb')}`]).status === 0;
}
