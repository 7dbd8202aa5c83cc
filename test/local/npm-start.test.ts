import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.js';
import { loadOrCreateAdminKey } from '../../local/admin-credentials.js';
import { RegistryClient } from '../support/client.js';
import { awsCli } from '../support/aws-cli.js';
import { loginPassword } from '../support/signed.js';
import { runTool } from '../support/tools.js';
import { randomBlob } from '../support/oci.js';
import { isLoopback, processTree, socketsOf } from './listening-sockets.js';

/** Runs local/main.ts as `npm start` does, in its own process. */
function startBerth(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

/** Whether a DynamoDB Local JVM for this data directory is still running. */
function jvmRunning(dataDir: string): boolean {
  return spawnSync('pgrep', ['-f', '--', `-dbPath ${join(dataDir, 'dynamodb')}`]).status === 0;
}

const dataDir = mkdtempSync(join(tmpdir(), 'berth-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start', () => {
  it('serves the registry, stops everything on SIGTERM, and keeps data across a restart', async () => {
    const port = await freePort();
    const env = { PORT: String(port), BERTH_DATA_DIR: dataDir };
    // An existing data directory open to others is made private.
    chmodSync(dataDir, 0o755);
    const first = startBerth(env);
    await waitFor(() => first.output().includes('Berth is running at'), 'the registry to start');
    expect(first.output()).toContain(`http://127.0.0.1:${port}`);
    expect(first.output()).toMatch(/skopeo copy/);

    const url = `http://127.0.0.1:${port}`;
    const admin = { url, adminKey: loadOrCreateAdminKey(dataDir).keys };
    // One login serves both runs: the signing key lives in the data directory and survives the restart.
    let header: Promise<string> | undefined;
    const client = new RegistryClient(url, () => (header ??= loginPassword(admin).then((password) => `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`)));
    const item = randomBlob(2000);
    await client.pushBlob('local/persist', item);
    expect(jvmRunning(dataDir)).toBe(true);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    if (process.platform === 'linux') {
      // Every service it started (the registry, local S3, DynamoDB Local in its JVM) listens on loopback only.
      const sockets = socketsOf(processTree(first.child.pid!));
      expect(sockets.map((socket) => socket.port)).toContain(port);
      expect(sockets.length).toBeGreaterThanOrEqual(3);
      expect(sockets.filter((socket) => !isLoopback(socket.address))).toEqual([]);
    }

    if (awsCli.path) {
      // The administrator's key works as-is with the AWS CLI: the credentials file alone, no other settings.
      const aws = await runTool(awsCli.path, ['ecr', 'describe-repositories', '--endpoint-url', url], 60_000, {
        PATH: process.env.PATH, HOME: dataDir, AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'credentials'), AWS_PROFILE: 'berth-local',
      });
      expect(aws.code, aws.stderr).toBe(0);
      const names = (JSON.parse(aws.stdout.toString()) as { repositories: { repositoryName: string }[] }).repositories.map((r) => r.repositoryName);
      expect(names).toContain('local/persist');
    }

    first.child.kill('SIGTERM');
    expect(await exited(first.child)).toBe(0);
    expect(jvmRunning(dataDir)).toBe(false);

    const second = startBerth(env);
    await waitFor(() => second.output().includes('Berth is running at'), 'the registry to restart');
    const head = await client.request('HEAD', `/v2/local/persist/blobs/${item.digest}`);
    expect(head.status).toBe(200);
    const catalog = (await (await client.request('GET', '/v2/_catalog')).json()) as { repositories: string[] };
    expect(catalog.repositories).toContain('local/persist');

    second.child.kill('SIGINT');
    expect(await exited(second.child)).toBe(0);
    expect(jvmRunning(dataDir)).toBe(false);
  });

  it('says how to install Java when it is missing', async () => {
    const berth = startBerth({ PATH: '', BERTH_DATA_DIR: join(dataDir, 'no-java'), PORT: String(await freePort()) });
    expect(await exited(berth.child)).toBe(1);
    expect(berth.output()).toContain('Java was not found');
    expect(berth.output()).toContain('apt-get install -y default-jre-headless');
  });
});
