import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MANIFEST_MEDIA_TYPES } from '../../lambdas/registry/media-types.js';
import type { Emulators } from '../../local/emulators/index.js';
import type { RegistryClient } from '../../test/support/client.js';
import { seedDistribution, startDistribution, type Distribution } from '../../test/support/distribution.js';
import { locateTool } from '../../test/support/tools.js';
import { adminClient } from '../support/admin.js';
import { imageOfSize } from '../support/images.js';
import { runLoadInChild } from '../support/load-process.js';
import { startLocalMode } from '../support/local-mode.js';
import { serverCpuSeconds } from '../support/process-cpu.js';
import { fixed, formatTable } from '../support/table.js';
import { pushImageChunked } from '../support/transfer.js';

const MiB = 1024 * 1024;
const LAYERS = 8;
const LAYER_BYTES = 24 * MiB;
const REPOSITORY = 'bench/compare';
const TAG = 'v1';
const HEAD_CLIENTS = 8;
/** Untimed HEADs first, which open each client's connection and warm both servers. */
const HEAD_WARMUP = 400;
/** HEADs per measured run: enough for a few seconds of each, so the section stays under a minute or two. */
const HEAD_REQUESTS = 2000;
/** Timed pulls of each registry, in A B B A order repeated: one pull's time varies by several percent on a shared machine, and Berth and distribution differ by less. */
const PULL_ROUNDS = 4;

const skopeo = locateTool('skopeo', 'apt-get install skopeo');

/** Starts Berth's local mode and distribution side by side, and compares them; see distributionTable. */
export async function distributionSection(emulators: Emulators, scratch: string): Promise<string> {
  if (skopeo.path === undefined) return `skopeo was not found; install it with \`${skopeo.install}\` to compare.`;
  const local = await startLocalMode(emulators, scratch);
  try {
    const distribution = await startDistribution();
    try {
      return await distributionTable(
        { contender: berthContender(local.registry.url, local.credentials), client: adminClient(local.registry) },
        { contender: distributionContender(distribution), server: distribution },
        scratch,
      );
    } finally {
      await distribution.stop();
    }
  } finally {
    await local.registry.stop();
  }
}

/** One registry of the comparison, as skopeo and a plain HTTP client reach it. */
interface Contender {
  name: string;
  /** host:port, for docker:// references. */
  host: string;
  url: string;
  /** user:password for skopeo, absent for a registry without auth. */
  credentials?: string;
  /** The processes that serve it, for CPU per request. */
  cpu: () => number | undefined;
}

interface Measure {
  seconds: number;
  cpuSeconds: number | undefined;
}

/** Berth's local mode as `npm start` runs it: this process (registry and s3rver) and DynamoDB Local's JVM. */
function berthContender(url: string, credentials: string): Contender {
  return { name: "Berth's local mode", host: new URL(url).host, url, credentials, cpu: () => serverCpuSeconds(['java'], true) };
}

function distributionContender(distribution: Distribution): Contender {
  return { name: 'distribution 2.8', host: distribution.host, url: distribution.url, cpu: () => serverCpuSeconds(['docker-registry'], false) };
}

/**
 * The same image in both registries, then (a) skopeo pulls of it into a dir:
 * destination and (b) manifest HEAD by tag from 8 keep-alive clients in a
 * process of their own. Runs go A B B A, so a drift in the machine's load
 * weighs on both alike. Ratios are Berth's speed over distribution's: 1.0 is as fast.
 */
async function distributionTable(berth: { contender: Contender; client: RegistryClient }, distribution: { contender: Contender; server: Distribution }, scratch: string): Promise<string> {
  const image = imageOfSize(LAYERS * LAYER_BYTES, LAYERS);
  await pushImageChunked(berth.client, REPOSITORY, TAG, image);
  await seedDistribution(distribution.server, REPOSITORY, [image.config, ...image.layers], [{ reference: TAG, manifest: image.manifest }]);
  const contenders = [berth.contender, distribution.contender];
  const load = loadavg();

  const pulls = new Map<Contender, Measure[]>(contenders.map((contender) => [contender, []]));
  // Untimed: the first pull of each warms the JIT, caches and connection setup.
  for (const contender of contenders) await pullOnce(contender, scratch);
  for (let round = 0; round < PULL_ROUNDS; round++) {
    for (const contender of abba(contenders)) pulls.get(contender)!.push(await pullOnce(contender, scratch));
  }

  const heads = new Map<Contender, Measure[]>(contenders.map((contender) => [contender, []]));
  for (const contender of abba(contenders)) heads.get(contender)!.push(await headLoad(contender));

  const pullSeconds = (contender: Contender) => mean(pulls.get(contender)!.map((run) => run.seconds));
  const headRate = (contender: Contender) => HEAD_REQUESTS / mean(heads.get(contender)!.map((run) => run.seconds));
  const rows = contenders.map((contender) => [
    contender.name,
    pulls.get(contender)!.map((run) => fixed(run.seconds, 2)).join(' '),
    fixed((LAYERS * LAYER_BYTES) / MiB / pullSeconds(contender), 0),
    cpuPer(pulls.get(contender)!, 1, 2),
    fixed(headRate(contender), 0),
    cpuPer(heads.get(contender)!, HEAD_REQUESTS / 1000, 2),
  ]);
  const table = formatTable(
    ['registry', `pull s (A B B A × ${PULL_ROUNDS})`, 'pull MiB/s', 'server CPU s/pull', `HEAD req/s (${HEAD_CLIENTS} clients)`, 'server CPU ms/HEAD'],
    rows,
    ['left', 'left'],
  );
  const [mine, theirs] = contenders as [Contender, Contender];
  return `The same image (${LAYERS} layers of ${LAYER_BYTES / MiB} MiB) in both registries on this machine (load average ${load.map((value) => fixed(value, 2)).join(', ')}).\n`
    + `Pull: skopeo copy docker:// to dir:, after one untimed pull each. HEAD: manifest by tag, ${HEAD_REQUESTS} requests a run from a separate process.\n`
    + 'Server CPU: user + system time of the serving processes (for Berth: its process with s3rver, and DynamoDB Local).\n\n'
    + `${table}\n\n`
    + `pull ratio (distribution's time / Berth's, goal >= 1.0): ${fixed(pullSeconds(theirs) / pullSeconds(mine), 2)}\n`
    + `manifest HEAD ratio (Berth's req/s / distribution's, goal >= 0.6): ${fixed(headRate(mine) / headRate(theirs), 2)}`;
}

function abba<T>([a, b]: T[]): T[] {
  return [a!, b!, b!, a!];
}

async function measured(contender: Contender, work: () => Promise<void>): Promise<Measure> {
  const cpuBefore = contender.cpu();
  const begin = performance.now();
  await work();
  const seconds = (performance.now() - begin) / 1000;
  const cpuAfter = contender.cpu();
  return { seconds, cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
}

/** Mean server CPU seconds per run divided by `units`, or '-' without /proc. */
function cpuPer(runs: Measure[], units: number, digits: number): string {
  if (runs.some((run) => run.cpuSeconds === undefined)) return '-';
  return fixed(mean(runs.map((run) => run.cpuSeconds!)) / units, digits);
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** One pull into a fresh directory, removed afterwards outside the measured time: deleting 192 MiB costs this process CPU too. */
async function pullOnce(contender: Contender, scratch: string): Promise<Measure> {
  const destination = mkdtempSync(join(scratch, 'pull-'));
  try {
    return await measured(contender, () => skopeoPull(contender, destination));
  } finally {
    rmSync(destination, { recursive: true, force: true });
  }
}

function skopeoPull(contender: Contender, destination: string): Promise<void> {
  const args = [
    'copy', '--quiet', '--src-tls-verify=false',
    ...(contender.credentials === undefined ? ['--src-no-creds'] : ['--src-creds', contender.credentials]),
    `docker://${contender.host}/${REPOSITORY}:${TAG}`, `dir:${destination}`,
  ];
  return new Promise<void>((resolve, reject) => {
    const child = spawn(skopeo.path!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`skopeo pull from ${contender.name} failed (${code}): ${stderr}`))));
  });
}

/** The measured HEAD requests alone: the warm-up and the load generator's start are outside both clock and CPU count. */
async function headLoad(contender: Contender): Promise<Measure> {
  const headers: Record<string, string> = { accept: MANIFEST_MEDIA_TYPES.join(', ') };
  if (contender.credentials !== undefined) headers.authorization = `Basic ${Buffer.from(contender.credentials).toString('base64')}`;
  let cpuBefore: number | undefined;
  const result = await runLoadInChild({
    url: `${contender.url}/v2/${REPOSITORY}/manifests/${TAG}`,
    method: 'HEAD',
    headers,
    status: 200,
    concurrency: HEAD_CLIENTS,
    warmup: HEAD_WARMUP,
    total: HEAD_REQUESTS,
  }, () => { cpuBefore = contender.cpu(); });
  const cpuAfter = contender.cpu();
  return { seconds: result.requests / result.requestsPerSecond, cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
}
