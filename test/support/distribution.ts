import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../local/free-port.js';
import { locateTool } from './tools.js';

/** Debian's docker-registry (distribution 2.8): a registry without auth on 127.0.0.1, storing in a scratch directory. */

export const distributionTool = locateTool('docker-registry', 'apt-get install docker-registry', ['/usr/bin/docker-registry']);

export interface Distribution {
  /** host:port, for docker:// references. */
  host: string;
  url: string;
  stop(): Promise<void>;
}

export async function startDistribution(): Promise<Distribution> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-distribution-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(config, [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n'));
  const child: ChildProcess = spawn(distributionTool.path!, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; ; attempt += 1) {
    try {
      const response = await fetch(`${url}/v2/`);
      await response.body?.cancel();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || attempt > 100) {
      await stop();
      throw new Error(`docker-registry did not start:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { host: `127.0.0.1:${port}`, url, stop };
}
