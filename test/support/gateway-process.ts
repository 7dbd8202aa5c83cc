import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startBerthServer, type RunningRegistry } from '../../local/berth-server.js';
import type { GatewayChildSetup } from './gateway-child.js';

const CHILD = fileURLToPath(new URL('./gateway-child.ts', import.meta.url));

/** A registry whose upload gateway runs in a child process that a test may kill and start again. */
export interface SeparateGateway {
  registry: RunningRegistry;
  gatewayUrl: string;
  /** The gateway process's peak resident memory so far, in bytes. */
  peakRssBytes(): number;
  /** Bytes the gateway process has read so far (files and sockets alike): its progress, whatever path an upload takes. */
  bytesRead(): number;
  /** Kills the gateway with SIGKILL, as a crash would, uploads in flight and all. */
  kill(): Promise<void>;
  /** Starts a new gateway process on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface SeparateGatewayOptions {
  dynamoEndpoint: string;
  s3Endpoint: string;
  /** As GatewayChildSetup's. */
  s3SpoolDirectory?: string;
  /** Names the registry's table and bucket. */
  name: string;
  partBytes?: number;
}

/** Also used by the push benchmark, which measures the gateway's memory apart from the emulators'. */
export async function startSeparateGateway(options: SeparateGatewayOptions): Promise<SeparateGateway> {
  const { dynamoEndpoint, s3Endpoint, partBytes } = options;
  const tokenKey = { kid: randomUUID(), secret: randomBytes(32) };
  let child = await spawnChild(0);
  const gatewayUrl = `http://127.0.0.1:${child.port}`;
  const registry = await startBerthServer({
    dynamoEndpoint, s3Endpoint, table: options.name, bucket: options.name, port: 0,
    registry: { uploadGatewayUrl: gatewayUrl, ...(partBytes === undefined ? {} : { uploadPartBytes: partBytes }) },
    uploadGateway: false,
    tokenKeys: async () => ({ current: tokenKey, previous: [] }),
  });
  const setup: GatewayChildSetup = {
    dynamoEndpoint,
    s3Endpoint,
    ...(options.s3SpoolDirectory ? { s3SpoolDirectory: options.s3SpoolDirectory } : {}),
    table: registry.table,
    bucket: registry.bucket,
    registryUrl: registry.url,
    registry: { createOnPush: true, downloadUrlSeconds: 300, uploadTtlSeconds: 3600, maxRequestBodyBytes: 0, uploadGatewayUrl: gatewayUrl, ...(partBytes === undefined ? {} : { uploadPartBytes: partBytes }) },
    tokenKey: { kid: tokenKey.kid, secret: tokenKey.secret.toString('base64') },
  };
  await configure(child.process, setup);

  const killChild = async () => {
    const exited = new Promise((resolve) => child.process.once('exit', resolve));
    child.process.kill('SIGKILL');
    await exited;
  };
  return {
    registry,
    gatewayUrl,
    peakRssBytes: () => peakRss(child.process.pid!),
    bytesRead: () => bytesRead(child.process.pid!),
    kill: killChild,
    restart: async () => {
      child = await spawnChild(child.port);
      await configure(child.process, setup);
    },
    stop: async () => {
      if (child.process.exitCode === null) await killChild();
      await registry.stop();
    },
  };
}

async function spawnChild(port: number): Promise<{ process: ChildProcess; port: number }> {
  const child = fork(CHILD, [String(port)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const listening = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`the gateway process exited with ${code} before listening`)));
  });
  return { process: child, port: listening };
}

function configure(child: ChildProcess, setup: GatewayChildSetup): Promise<void> {
  return new Promise((resolve) => {
    child.once('message', () => resolve());
    child.send(setup);
  });
}

/** rchar: every byte the process has read through read system calls. */
function bytesRead(pid: number): number {
  const match = /^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  if (!match) throw new Error(`no rchar for process ${pid}`);
  return Number(match[1]);
}

/** VmHWM: the most memory the process has held resident. */
function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM for process ${pid}`);
  return Number(match[1]) * 1024;
}
