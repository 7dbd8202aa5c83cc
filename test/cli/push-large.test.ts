import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRegistry } from '../../local/berth-server.js';
import { clientEnv, freshHome, runBerthBundle, useBerthBins } from '../support/berth-bins.js';
import { blob, descriptor } from '../support/oci.js';
import { writeOciLayout } from '../support/oci-layout.js';
import { basicAuth, clientOf, startTestRegistry, useRegistry } from '../support/registry.js';

/**
 * berth push of layers above what one presigned PUT takes (5 GiB on AWS; here
 * 6 MiB): through the registry's upload API, streamed to the upload gateway,
 * resumed after a dropped connection, and in chunks through the API on a
 * registry without a gateway.
 */

const MiB = 1024 * 1024;
/** The gateway keeps whole parts of this size when a connection drops. */
const PART = 5 * MiB;
/** A registry whose single PUT takes 6 MiB, as S3's takes 5 GiB. */
const SETTINGS = { directUploadSizes: { singlePutMaxBytes: 6 * MiB }, uploadPartBytes: PART };
const bins = useBerthBins();

interface Layout { dir: string; layer: Buffer; layerDigest: string; manifestDigest: string }

function layoutWith(layer: Buffer, name: string): Layout {
  const item = blob(layer, 'application/vnd.oci.image.layer.v1.tar');
  const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [item.digest] }, config: {} }), 'application/vnd.oci.image.config.v1+json');
  const manifest = blob(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: descriptor(config), layers: [descriptor(item)],
  }), 'application/vnd.oci.image.manifest.v1+json');
  const dir = join(freshHome(bins(), name), 'oci');
  writeOciLayout(dir, [{ name: 'v1', manifest }], [config, item]);
  return { dir, layer, layerDigest: item.digest, manifestDigest: manifest.digest };
}

function berth(on: RunningRegistry, args: string[]) {
  return runBerthBundle(bins(), args, clientEnv(bins(), freshHome(bins()), { credentials: on.adminKey }));
}

function push(on: RunningRegistry, image: Layout, repository: string, extra: string[] = []) {
  return berth(on, ['push', `oci:${image.dir}:v1`, `${new URL(on.url).host}/${repository}:v1`, ...extra]);
}

/** The layer's bytes as a client pulls them, and the digest the tag names. */
async function pulled(on: RunningRegistry, repository: string, digest: string): Promise<{ bytes: Buffer; tagged: string | null }> {
  const client = clientOf(on);
  const bytes = await client.downloadBlob(repository, digest);
  const tagged = (await client.request('HEAD', `/v2/${repository}/manifests/v1`)).headers.get('docker-content-digest');
  return { bytes, tagged };
}

async function nothingVisible(on: RunningRegistry, repository: string, digest: string): Promise<void> {
  const client = clientOf(on);
  expect((await client.request('HEAD', `/v2/${repository}/blobs/${digest}`)).status).toBe(404);
  expect((await client.request('HEAD', `/v2/${repository}/manifests/v1`)).status).toBe(404);
}

describe('berth push through the upload gateway', () => {
  const registry = useRegistry(SETTINGS);

  it('streams a 13 MiB layer to the gateway, which pulls back byte-identical', async () => {
    const image = layoutWith(randomBytes(13 * MiB), 'gateway');
    const result = await push(registry(), image, 'large/app');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('no upload gateway');
    const { bytes, tagged } = await pulled(registry(), 'large/app', image.layerDigest);
    expect(bytes.equals(image.layer)).toBe(true);
    expect(tagged).toBe(image.manifestDigest);
  });

  it('refuses a corrupt layer at the digest check, and nothing becomes visible', async () => {
    const image = layoutWith(randomBytes(13 * MiB), 'corrupt');
    writeFileSync(join(image.dir, 'blobs', 'sha256', image.layerDigest.slice(7)), randomBytes(13 * MiB));
    const result = await push(registry(), image, 'large/corrupt');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`berth: DigestMismatch: blob ${image.layerDigest} is corrupt: the registry found its bytes do not have that digest`);
    await nothingVisible(registry(), 'large/corrupt', image.layerDigest);
  });
});

/**
 * A TCP proxy in front of the gateway that cuts off the next `drops` PATCH
 * connections once `afterBytes` have passed: what passed reaches the gateway,
 * then both sides are closed, as when a network drops mid-upload.
 */
class DroppingProxy {
  drops = 0;
  dropped = 0;
  /** Called with the request line (method, path and query) of each PATCH cut off. */
  onDrop: (requestLine: string) => void = () => undefined;
  private server: Server | undefined;

  /** Set once the gateway listens. */
  gatewayPort = 0;

  constructor(public afterBytes: number) {}

  /** Listens on a port of its own choosing, and returns it. */
  async listen(): Promise<number> {
    this.server = createServer((client) => {
      const upstream = connect(this.gatewayPort, '127.0.0.1');
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
      upstream.pipe(client);
      let seen = 0;
      let armed: boolean | undefined;
      let requestLine = '';
      client.on('data', (chunk: Buffer) => {
        if (armed === undefined) {
          armed = this.drops > 0 && chunk.subarray(0, 6).toString() === 'PATCH ';
          requestLine = chunk.subarray(0, chunk.indexOf('\r\n')).toString();
        }
        if (armed && seen + chunk.length >= this.afterBytes) {
          upstream.end(chunk.subarray(0, this.afterBytes - seen));
          client.destroy();
          this.drops -= 1;
          this.dropped += 1;
          armed = false;
          this.onDrop(requestLine);
          return;
        }
        seen += chunk.length;
        if (!upstream.write(chunk)) {
          client.pause();
          upstream.once('drain', () => client.resume());
        }
      });
      client.on('end', () => upstream.end());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server!.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/**
 * A registry whose gateway sits behind a DroppingProxy: the proxy listens first
 * (its URL goes into the registry's settings), then learns the port the gateway bound.
 */
async function registryBehindProxy(afterBytes: number): Promise<{ registry: RunningRegistry; proxy: DroppingProxy }> {
  const proxy = new DroppingProxy(afterBytes);
  const proxyPort = await proxy.listen();
  const registry = await startTestRegistry({ ...SETTINGS, uploadGatewayUrl: `http://127.0.0.1:${proxyPort}` }, { uploadGateway: { port: 0 } });
  proxy.gatewayPort = Number(new URL(registry.gatewayListenUrl!).port);
  return { registry, proxy };
}

describe('berth push when the connection to the gateway drops', () => {
  let registry: RunningRegistry;
  let proxy: DroppingProxy;

  beforeAll(async () => {
    // 11 MiB reach the gateway, which keeps its two whole 5 MiB parts.
    ({ registry, proxy } = await registryBehindProxy(11 * MiB));
  });
  afterAll(async () => {
    await registry?.stop();
    await proxy?.close();
  });

  it('resumes from the whole parts the gateway kept, and the layer pulls back byte-identical', async () => {
    proxy.drops = 1;
    proxy.afterBytes = 11 * MiB;
    const image = layoutWith(randomBytes(13 * MiB), 'dropped');
    const result = await push(registry, image, 'dropped/app');
    expect(result.code, result.stderr).toBe(0);
    expect(proxy.drops).toBe(0);
    expect(result.stderr).toContain('the connection failed');
    expect(result.stderr).toContain(`resuming from byte ${2 * PART} of ${13 * MiB}`);
    const { bytes, tagged } = await pulled(registry, 'dropped/app', image.layerDigest);
    expect(bytes.equals(image.layer)).toBe(true);
    expect(tagged).toBe(image.manifestDigest);
  });

  it('gives up after --retries failures in a row, saying what to do, and nothing becomes visible', async () => {
    // Every PATCH is cut off before the gateway has a whole part: no progress.
    proxy.drops = 10;
    proxy.afterBytes = 1 * MiB;
    const before = proxy.dropped;
    const image = layoutWith(randomBytes(13 * MiB), 'flaky');
    const result = await push(registry, image, 'dropped/flaky', ['--retries', '1']);
    proxy.drops = 0;
    // The first attempt and one retry.
    expect(proxy.dropped - before).toBe(2);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`berth: UploadInterrupted: the upload of blob ${image.layerDigest} stopped at byte`);
    expect(result.stderr).toContain('2 times in a row');
    expect(result.stderr).toContain('run the push again');
    await nothingVisible(registry, 'dropped/flaky', image.layerDigest);
  });

  it('stops when the registry no longer knows the upload it would resume, saying to push again', async () => {
    proxy.drops = 1;
    proxy.afterBytes = 11 * MiB;
    // The upload is cancelled while the client waits to resume it, as an expired one would be gone.
    let cancelled: Promise<Response> | undefined;
    proxy.onDrop = (requestLine) => {
      cancelled = fetch(`${registry.gatewayUrl}${requestLine.split(' ')[1]}`, { method: 'DELETE' });
    };
    const image = layoutWith(randomBytes(13 * MiB), 'cancelled');
    const result = await push(registry, image, 'dropped/cancelled');
    proxy.onDrop = () => undefined;
    expect((await cancelled!).status).toBe(204);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`berth: BLOB_UPLOAD_UNKNOWN: the registry no longer knows the upload of blob ${image.layerDigest}`);
    expect(result.stderr).toContain('run the push again');
    await nothingVisible(registry, 'dropped/cancelled', image.layerDigest);
  });

  it('refuses a --retries that is not a small whole number', async () => {
    const image = layoutWith(randomBytes(100), 'usage');
    const result = await push(registry, image, 'dropped/usage', ['--retries', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--retries must be a whole number from 0 to 100');
  });
});

describe('berth push to a registry without an upload gateway', () => {
  const registry = useRegistry(SETTINGS, { uploadGateway: false });

  it('sends a 13 MiB layer in chunks the API takes, with a hint, and it pulls back byte-identical', async () => {
    const image = layoutWith(randomBytes(13 * MiB), 'chunked');
    const result = await push(registry(), image, 'chunked/app');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.match(/no upload gateway.*/g)).toEqual([
      'no upload gateway: sending 13 MiB in chunks of 4.5 MiB; a registry with the upload gateway takes such layers faster',
    ]);
    const { bytes, tagged } = await pulled(registry(), 'chunked/app', image.layerDigest);
    expect(bytes.equals(image.layer)).toBe(true);
    expect(tagged).toBe(image.manifestDigest);
  });

  it('berth copy from it into a gateway registry reads the source again from where the gateway resumes', async () => {
    const image = layoutWith(randomBytes(13 * MiB), 'source');
    expect((await push(registry(), image, 'chunked/source')).code).toBe(0);
    const { registry: target, proxy } = await registryBehindProxy(11 * MiB);
    try {
      proxy.drops = 1;
      const creds = Buffer.from((await basicAuth(registry())).slice('Basic '.length), 'base64').toString();
      const result = await berth(target, ['copy', '--src-creds', creds,
        `docker://${new URL(registry().url).host}/chunked/source:v1`, `docker://${new URL(target.url).host}/copied/app:v1`]);
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.dropped).toBe(1);
      expect(result.stderr).toContain(`resuming from byte ${2 * PART}`);
      const { bytes, tagged } = await pulled(target, 'copied/app', image.layerDigest);
      expect(bytes.equals(image.layer)).toBe(true);
      expect(tagged).toBe(image.manifestDigest);
    } finally {
      await target.stop();
      await proxy.close();
    }
  });
});
