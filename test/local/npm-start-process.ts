import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** local/main.ts run as `npm start` runs it, in its own process, and what tests watch of it. */

export interface StartedBerth {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr together. */
  output(): string;
}

const started = new Set<ChildProcess>();

export function startBerth(env: NodeJS.ProcessEnv, options: { args?: string[]; preload?: string } = {}): StartedBerth {
  const child = spawn(process.execPath, ['--import', 'tsx', ...(options.preload ? ['--import', options.preload] : []), 'local/main.ts', ...(options.args ?? [])], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, with DynamoDB Local's JVM in it, that killStarted ends whole.
    detached: true,
  });
  started.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

/**
 * Kills the process group of every npm start begun here, whatever state a failed
 * or timed-out test left it in: the registry, local S3 and DynamoDB Local's JVM.
 */
export function killStarted(): void {
  for (const child of started) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is gone already (ESRCH): npm start stopped everything itself.
    }
  }
  started.clear();
}

/** Polls `check` until it holds; the default timeout is below the 30 s test timeout, so that the test fails with what it waited for. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
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
