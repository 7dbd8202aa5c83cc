import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clientOf, basicAuth } from '../support/registry.js';
import { RegistryClient } from '../support/client.js';
import { startSeparateGateway, type SeparateGateway } from '../support/gateway-process.js';
import { imageBlobs, ociImage, sha256 } from '../support/oci.js';
import { readOciLayout, writeOciLayout } from '../support/oci-layout.js';
import { locateTool, reportMissingTool, runTool } from '../support/tools.js';

const MIB = 1024 * 1024;
/**
 * The gateway's memory bound for one upload of any size: Node and the SDK
 * (about 100 MiB resident) plus about two 8 MiB parts and socket buffers.
 */
const RSS_BOUND_BYTES = 200 * MIB;

let gateway: SeparateGateway;
beforeAll(async () => {
  gateway = await startSeparateGateway({
    dynamoEndpoint: inject('dynamoEndpoint'), s3Endpoint: inject('s3Endpoint'), name: `berth-gateway-${randomUUID().slice(0, 8)}`, partBytes: 8 * MIB,
  });
});
afterAll(async () => {
  await gateway?.stop();
});

/** Streams `size` bytes to an upload URL in one PATCH, the way docker sends a layer; returns the status and digest. */
function streamPatch(url: string, size: number): Promise<{ status: number; digest: string }> {
  const target = new URL(url);
  const block = randomBytes(MIB);
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    const sending = httpRequest({
      host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode!, digest: `sha256:${hash.digest('hex')}` }));
    });
    sending.on('error', reject);
    let sent = 0;
    const more = () => {
      while (sent < size) {
        const chunk = block.subarray(0, Math.min(MIB, size - sent));
        block[0] = (block[0]! + 1) % 256;
        hash.update(chunk);
        sent += chunk.length;
        if (!sending.write(chunk)) {
          sending.once('drain', more);
          return;
        }
      }
      sending.end();
    };
    more();
  });
}

describe('the upload gateway as a process of its own', () => {
  it(`receives a 1 GiB layer in one PATCH within ${RSS_BOUND_BYTES / MIB} MiB of resident memory`, async () => {
    const client = clientOf(gateway.registry);
    const url = await client.startUpload('process/big');
    const { status, digest } = await streamPatch(url, 1024 * MIB);
    expect(status).toBe(202);
    const done = new URL(url);
    done.searchParams.set('digest', digest);
    expect((await new RegistryClient(gateway.registry.url).fetch(done.toString(), { method: 'PUT' })).status).toBe(201);
    const head = await client.request('HEAD', `/v2/process/big/blobs/${digest}`);
    expect(head.headers.get('content-length')).toBe(String(1024 * MIB));
    const peak = gateway.peakRssBytes();
    console.log(`upload gateway peak RSS for a 1 GiB layer: ${(peak / MIB).toFixed(0)} MiB`);
    expect(peak).toBeLessThan(RSS_BOUND_BYTES);
  });
});

const skopeo = locateTool('skopeo', 'apt-get install skopeo');
reportMissingTool(skopeo);

describe.skipIf(skopeo.path === undefined)('a gateway killed mid-upload', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'berth-gateway-kill-'));
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('leaves no image and no partial layer visible, and the same push run again after a restart completes', async () => {
    const image = ociImage({ layerSizes: [160 * MIB] });
    const source = join(work, 'source');
    writeOciLayout(source, [{ name: 'v1', manifest: image.manifest }], imageBlobs(image));
    const creds = Buffer.from((await basicAuth(gateway.registry)).slice('Basic '.length), 'base64').toString();
    const destination = `docker://${new URL(gateway.registry.url).host}/process/killed:v1`;
    const push = () => runTool(skopeo.path!, ['--insecure-policy', 'copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${source}:v1`, destination]);

    const read = gateway.bytesRead();
    const first = push();
    // Killed once the gateway has taken in a good part of the layer, whichever way it streams it to storage.
    await waitFor(async () => gateway.bytesRead() - read > 32 * MIB, 3000, 10);
    await gateway.kill();
    expect((await first).code).not.toBe(0);

    const client = clientOf(gateway.registry);
    expect((await client.request('HEAD', '/v2/process/killed/manifests/v1')).status).toBe(404);
    // The layer is not there, or, if its last bytes beat the kill, there whole: never a part of it.
    const layer = image.layers[0]!;
    const served = await client.request('GET', `/v2/process/killed/blobs/${layer.digest}`);
    if (served.status !== 404) {
      expect(served.status).toBe(307);
      expect(sha256(Buffer.from(await (await fetch(served.headers.get('location')!)).arrayBuffer()))).toBe(layer.digest);
    }

    await gateway.restart();
    const again = await push();
    expect(again.code, again.stderr).toBe(0);
    const pulled = join(work, 'pulled');
    const back = await runTool(skopeo.path!, ['--insecure-policy', 'copy', '--src-tls-verify=false', '--src-creds', creds, destination, `oci:${pulled}:v1`]);
    expect(back.code, back.stderr).toBe(0);
    const layout = readOciLayout(pulled);
    expect(sha256(layout.blob(image.layers[0]!.digest))).toBe(image.layers[0]!.digest);
  });
});

async function waitFor(condition: () => Promise<boolean>, attempts = 300, intervalMs = 100): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error('condition not met');
}
