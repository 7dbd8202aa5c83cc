import { performance } from 'node:perf_hooks';
import type { RegistryClient } from '../../test/support/client.js';
import { imageOfSize } from '../support/images.js';
import { fixed, formatTable } from '../support/table.js';
import { pullImage, pushImageChunked, type Transfer } from '../support/transfer.js';

const MiB = 1024 * 1024;
const IMAGE_BYTES = 50 * MiB;
const IMAGE_LAYERS = 4;
/** A fresh image each run, so no run benefits from blobs an earlier one stored. */
const RUNS = 3;
/** An untimed push and pull first, so the first run does not pay for JIT warm-up of the upload path. */
const WARMUP_BYTES = 12 * MiB;

interface Timed {
  transfer: Transfer;
  seconds: number;
}

export async function throughputTable(client: RegistryClient): Promise<string> {
  const rows: string[][] = [];
  const push: number[] = [];
  const pull: number[] = [];
  let largestChunk = 0;
  await pushImageChunked(client, 'bench/large', 'warmup', imageOfSize(WARMUP_BYTES, 2));
  await pullImage(client, 'bench/large', 'warmup');
  for (let run = 1; run <= RUNS; run += 1) {
    const image = imageOfSize(IMAGE_BYTES, IMAGE_LAYERS);
    const tag = `run-${run}`;
    const pushed = await timed(() => pushImageChunked(client, 'bench/large', tag, image));
    const pulled = await timed(() => pullImage(client, 'bench/large', tag));
    largestChunk = Math.max(largestChunk, pushed.transfer.largestChunk);
    push.push(mibPerSecond(pushed));
    pull.push(mibPerSecond(pulled));
    rows.push([String(run), ...cells(pushed), ...cells(pulled)]);
  }
  rows.push(['median', '', '', fixed(median(push)), '', '', fixed(median(pull))]);
  const table = formatTable(['run', 'push requests', 'push s', 'push MiB/s', 'pull requests', 'pull s', 'pull MiB/s'], rows);
  return `${IMAGE_BYTES / MiB} MiB image (config + ${IMAGE_LAYERS} layers of random bytes), one blob at a time, 1 client.\n`
    + `Push: POST, PATCH chunks (largest ${largestChunk} bytes, within OCI-Chunk-Max-Length), PUT ?digest=, then the manifest.\n`
    + 'Pull: manifest GET, then each blob GET following the 307 to S3, all bytes read and sha256-checked.\n\n'
    + table;
}

async function timed(work: () => Promise<Transfer>): Promise<Timed> {
  const begin = performance.now();
  const transfer = await work();
  return { transfer, seconds: (performance.now() - begin) / 1000 };
}

function mibPerSecond({ transfer, seconds }: Timed): number {
  return transfer.bytes / MiB / seconds;
}

function cells(result: Timed): string[] {
  return [String(result.transfer.requests), fixed(result.seconds, 2), fixed(mibPerSecond(result))];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
