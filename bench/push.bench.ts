import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { startBerthServer } from '../local/berth-server.js';
import type { Emulators } from '../local/emulators/index.js';
import { buildCli } from '../scripts/build-cli.js';
import { actionsFor } from '../lambdas/auth/actions.js';
import { startDistribution } from '../test/support/distribution.js';
import { startSeparateGateway } from '../test/support/gateway-process.js';
import { runBench } from './support/run.js';
import { fixed, formatTable, printSection } from './support/table.js';

/**
 * `npm run bench:push`: push throughput of a 1 GiB image of 8 layers (random,
 * incompressible), in one run on this machine: `berth push` into the local
 * registry (DynamoDB Local, s3rver), `skopeo copy` into the local registry
 * through its upload gateway (in a process of its own, for its memory), and
 * `skopeo copy` into Debian's docker-registry (distribution, filesystem
 * storage). Each client pushes twice, in the order A B C C B A, each time into
 * a registry of its own.
 */

const MiB = 1024 * 1024;
const LAYERS = Number(process.env.BENCH_LAYERS ?? 8);
const LAYER_BYTES = Number(process.env.BENCH_LAYER_MIB ?? 128) * MiB;

async function writeBlob(dir: string, chunks: () => Iterable<Buffer>): Promise<{ digest: string; size: number }> {
  const temporary = join(dir, 'blobs', 'sha256', `tmp-${randomBytes(8).toString('hex')}`);
  const hash = createHash('sha256');
  const file = await open(temporary, 'w');
  let size = 0;
  for (const chunk of chunks()) {
    hash.update(chunk);
    await file.write(chunk);
    size += chunk.length;
  }
  await file.close();
  const hex = hash.digest('hex');
  renameSync(temporary, join(dir, 'blobs', 'sha256', hex));
  return { digest: `sha256:${hex}`, size };
}

/** An OCI layout of one image with LAYERS random layers of LAYER_BYTES, tagged `bench`. */
async function writeLayout(dir: string): Promise<void> {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const layers = [];
  for (let i = 0; i < LAYERS; i += 1) {
    layers.push(await writeBlob(dir, function* () {
      for (let done = 0; done < LAYER_BYTES; done += 8 * MiB) yield randomBytes(Math.min(8 * MiB, LAYER_BYTES - done));
    }));
  }
  const configBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) }, config: {} }));
  const config = await writeBlob(dir, () => [configBytes]);
  const manifestBytes = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer })),
  }));
  const manifest = await writeBlob(dir, () => [manifestBytes]);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }],
  }));
}

interface Run { seconds: number; maxRssMiB?: number }

/**
 * Both clients start alike: nothing left to write back (the kernel writing the last GiB would slow
 * whichever client runs next), and the image read into the page cache (the kernel may reclaim it
 * between runs, which would slow the second client).
 */
function evenStart(layout: string): void {
  spawnSync('sync');
  const blobs = join(layout, 'blobs', 'sha256');
  spawnSync('cat', readdirSync(blobs).map((name) => join(blobs, name)), { stdio: 'ignore' });
}

/** Runs a command to completion, timing it; under /usr/bin/time -v when there is one, for its peak memory. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const gnuTime = existsSync('/usr/bin/time');
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = gnuTime ? spawn('/usr/bin/time', ['-v', command, ...args], { env }) : spawn(command, args, { env });
    let stderr = '';
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-4000)}`));
        return;
      }
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
      resolve({ seconds, ...(rss ? { maxRssMiB: Number(rss) / 1024 } : {}) });
    });
  });
}

/** One timed push of the layout into a registry of its own, so that nothing is skipped as already there. */
type Client = { name: string; push(round: number): Promise<Run> };

function berthClient(emulators: Emulators, bundle: string, layout: string): Client {
  return {
    name: 'berth push -> Berth (local: DynamoDB Local, s3rver)',
    async push(round) {
      const registry = await startBerthServer({
        dynamoEndpoint: emulators.dynamoEndpoint,
        s3Endpoint: emulators.s3Endpoint,
        s3SpoolDirectory: emulators.s3SpoolDirectory,
        table: `berth-push-bench-${round}`,
        bucket: `berth-push-bench-${round}`,
        port: 0,
      });
      try {
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          AWS_ACCESS_KEY_ID: registry.adminKey.accessKeyId,
          AWS_SECRET_ACCESS_KEY: registry.adminKey.secretAccessKey,
          AWS_REGION: 'us-east-1',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        };
        const host = new URL(registry.url).host;
        evenStart(layout);
        return await timed(process.execPath, [bundle, 'push', `oci:${layout}:bench`, `${host}/bench/push:1`, ...(process.env.BENCH_JOBS ? ['--jobs', process.env.BENCH_JOBS] : [])], env);
      } finally {
        await registry.stop();
      }
    },
  };
}

/**
 * skopeo pushing as it would to any registry: upload sessions continue on the upload gateway, run as a
 * process of its own, which writes layers to the local S3's spool as npm start's does.
 */
function gatewayClient(emulators: Emulators, layout: string): Client & { peakRssMiB: number[] } {
  const peakRssMiB: number[] = [];
  return {
    name: 'skopeo copy -> Berth via the upload gateway (local)',
    peakRssMiB,
    async push(round) {
      const gateway = await startSeparateGateway({ ...emulators, name: `berth-gateway-bench-${round}` });
      try {
        const registry = gateway.registry;
        const { token } = await registry.tokens.issue({ principalArn: `arn:aws:iam::${registry.identity.accountId}:root`, accountId: registry.identity.accountId, actions: actionsFor(['pull', 'push']) }, 3600);
        const host = new URL(registry.url).host;
        evenStart(layout);
        const run = await timed('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', '--dest-creds', `AWS:${token}`, `oci:${layout}:bench`, `docker://${host}/bench/push:1`], process.env);
        peakRssMiB.push(gateway.peakRssBytes() / MiB);
        return run;
      } finally {
        await gateway.stop();
      }
    },
  };
}

function skopeoClient(layout: string): Client {
  return {
    name: 'skopeo copy -> docker-registry (filesystem)',
    async push() {
      // A new registry, on a new port: skopeo's blob cache knows nothing of it.
      const distribution = await startDistribution();
      try {
        evenStart(layout);
        return await timed('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${layout}:bench`, `docker://${distribution.host}/bench/push:1`], process.env);
      } finally {
        await distribution.stop();
      }
    },
  };
}

const mean = (runs: Run[]) => runs.reduce((sum, run) => sum + run.seconds, 0) / runs.length;

runBench('berth-push-bench', async (emulators, scratch) => {
  const layout = join(scratch, 'layout');
  process.stderr.write(`Writing a ${(LAYERS * LAYER_BYTES) / MiB} MiB image of ${LAYERS} layers to ${layout}...\n`);
  await writeLayout(layout);
  const bundle = join(scratch, 'berth.mjs');
  await buildCli(bundle);
  const berth = berthClient(emulators, bundle, layout);
  const gateway = gatewayClient(emulators, layout);
  const skopeo = skopeoClient(layout);
  // On this kind of machine whichever client runs later is slower; A B C C B A cancels that out.
  const order = [berth, gateway, skopeo, skopeo, gateway, berth];
  const runs = new Map<Client, Run[]>([[berth, []], [gateway, []], [skopeo, []]]);
  const total = (LAYERS * LAYER_BYTES) / MiB;
  const rows: string[][] = [];
  for (const [round, client] of order.entries()) {
    process.stderr.write(`${client.name}...\n`);
    const run = await client.push(round);
    runs.get(client)!.push(run);
    rows.push([String(round + 1), client.name, fixed(run.seconds, 2), fixed(total / run.seconds), run.maxRssMiB === undefined ? '-' : fixed(run.maxRssMiB, 0)]);
  }
  for (const client of [berth, gateway, skopeo]) rows.push(['mean', client.name, fixed(mean(runs.get(client)!), 2), fixed(total / mean(runs.get(client)!)), '']);
  console.log(`Push throughput: ${total} MiB image of ${LAYERS} layers (Node ${process.version}, one run, same machine, clients in the order A B C C B A)`);
  printSection('Push', formatTable(['run', 'client -> registry', 'seconds', 'MiB/s', 'peak RSS MiB'], rows, ['left', 'left']));
  console.log(`\nratio (berth push MiB/s / skopeo copy into docker-registry MiB/s, means): ${fixed(mean(runs.get(skopeo)!) / mean(runs.get(berth)!), 2)}`);
  console.log(`ratio (skopeo copy into Berth via the gateway MiB/s / skopeo copy into docker-registry MiB/s, means): ${fixed(mean(runs.get(skopeo)!) / mean(runs.get(gateway)!), 2)}`);
  console.log(`upload gateway peak RSS MiB per run: ${gateway.peakRssMiB.map((value) => fixed(value, 0)).join(', ')}`);
});
