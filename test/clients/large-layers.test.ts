import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MAX_REQUEST_BODY_BYTES } from '../../lambdas/shared/limits.js';
import type { RunningRegistry } from '../../local/berth-server.js';
import { imageBlobs, ociImage, sha256 } from '../support/oci.js';
import { readOciLayout, writeOciLayout } from '../support/oci-layout.js';
import { basicAuth, startTestRegistry, useRegistry } from '../support/registry.js';
import { locateTool, reportMissingTool, runTool, type ToolResult } from '../support/tools.js';

/**
 * The clients that send each layer in one request (skopeo, podman, buildah)
 * pushing layers of 1, 64 and 300 MiB through `/v2/` as they would to any
 * registry: the upload gateway takes the bytes. Each client gets a registry of
 * its own, so that no blob is mounted from an earlier client's push.
 */

const MIB = 1024 * 1024;
const LAYER_MIB = [1, 64, 300];
const TIMEOUT_MS = 120_000;

const skopeo = locateTool('skopeo', 'apt-get install skopeo');
const podman = locateTool('podman', 'apt-get install podman');
const buildah = locateTool('buildah', 'apt-get install buildah');
for (const tool of [skopeo, podman, buildah]) reportMissingTool(tool);

async function credsFor(registry: RunningRegistry): Promise<string> {
  return Buffer.from((await basicAuth(registry)).slice('Basic '.length), 'base64').toString();
}

function succeeded(result: ToolResult, what: string): void {
  expect(result.code, `${what} failed:\n${result.stderr}`).toBe(0);
}

describe.skipIf(skopeo.path === undefined)('skopeo and layers past the API request limit', () => {
  const withGateway = useRegistry();
  const spooled = useRegistry({}, { s3SpoolDirectory: inject('s3SpoolDirectory') });
  const withoutGateway = useRegistry({}, { uploadGateway: false });
  const image = ociImage({ layerSizes: LAYER_MIB.map((mib) => mib * MIB) });
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'berth-large-skopeo-'));
    writeOciLayout(join(work, 'source'), [{ name: 'v1', manifest: image.manifest }], imageBlobs(image));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const copy = (creds: string, from: string, to: string) =>
    runTool(skopeo.path!, ['--insecure-policy', 'copy', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false',
      ...(from.startsWith('docker://') ? ['--src-creds', creds] : ['--dest-creds', creds]), from, to], TIMEOUT_MS);

  it.each([
    { stored: 'in S3 parts, as on AWS', registry: () => withGateway(), into: 'pulled-s3' },
    { stored: 'in local mode\'s spool, as npm start stores them', registry: () => spooled(), into: 'pulled-spool' },
  ])('pushes through the upload gateway, stored $stored, and pulls back every layer byte-identical', async ({ registry, into }) => {
    const creds = await credsFor(registry());
    const remote = `docker://${new URL(registry().url).host}/large/skopeo:v1`;
    const pulledDir = join(work, into);
    succeeded(await copy(creds, `oci:${join(work, 'source')}:v1`, remote), 'skopeo push');
    succeeded(await copy(creds, remote, `oci:${pulledDir}:v1`), 'skopeo pull');
    const pulled = readOciLayout(pulledDir);
    expect(pulled.refDigest('v1')).toBe(image.manifest.digest);
    for (const layer of image.layers) expect(sha256(pulled.blob(layer.digest))).toBe(layer.digest);
  }, TIMEOUT_MS);

  it('without the gateway, is refused with the request limit and a pointer to berth push', async () => {
    const small = ociImage({ layerSizes: [6 * MIB] });
    expect(small.layers[0]!.bytes.length).toBeGreaterThan(MAX_REQUEST_BODY_BYTES);
    writeOciLayout(join(work, 'over-limit'), [{ name: 'v1', manifest: small.manifest }], imageBlobs(small));
    const remote = `docker://${new URL(withoutGateway().url).host}/large/refused:v1`;
    const result = await copy(await credsFor(withoutGateway()), `oci:${join(work, 'over-limit')}:v1`, remote);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`over Berth's limit of ${MAX_REQUEST_BODY_BYTES} bytes`);
    expect(result.stderr).toContain('`berth push`');
  }, TIMEOUT_MS);
});

describe.skipIf(podman.path === undefined || buildah.path === undefined)('podman and buildah and layers of 1, 64 and 300 MiB', () => {
  let work: string;
  let storage: string[];
  let imageId: string;
  const registries: RunningRegistry[] = [];

  const run = (tool: string, args: string[], store = storage) => runTool(tool, [...store, ...args], TIMEOUT_MS);
  const storageAt = (dir: string) => ['--storage-driver', 'vfs', '--root', join(dir, 'root'), '--runroot', join(dir, 'run')];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-large-podman-'));
    storage = storageAt(join(work, 'storage'));
    // FROM scratch, then one COPY and one commit per layer: three layers of the sizes asked.
    let base = 'scratch';
    for (const [index, mib] of LAYER_MIB.entries()) {
      const file = join(work, `layer-${index}.bin`);
      await pipeline(function* () {
        for (let left = mib * MIB; left > 0; left -= 8 * MIB) yield randomBytes(Math.min(8 * MIB, left));
      }, createWriteStream(file));
      const container = `berth-large-${index}`;
      succeeded(await run(buildah.path!, ['from', '--name', container, base]), 'buildah from');
      succeeded(await run(buildah.path!, ['copy', container, file, `/layer-${index}.bin`]), 'buildah copy');
      base = `localhost/berth-large:${index}`;
      succeeded(await run(buildah.path!, ['commit', '--rm', container, base]), 'buildah commit');
    }
    const inspected = await run(podman.path!, ['image', 'inspect', '--format', '{{.Id}}', base]);
    succeeded(inspected, 'podman image inspect');
    imageId = inspected.stdout.toString().trim();
  }, 4 * TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(registries.map((registry) => registry.stop()));
    rmSync(work, { recursive: true, force: true });
  });

  /** Pulls the pushed image into a storage of its own: podman checks every layer against the config's diff_ids. */
  async function expectSameImage(registry: RunningRegistry, creds: string, reference: string): Promise<void> {
    const fresh = storageAt(join(work, `pulled-${registries.indexOf(registry)}`));
    mkdirSync(join(work, `pulled-${registries.indexOf(registry)}`), { recursive: true });
    succeeded(await run(podman.path!, ['pull', '--tls-verify=false', '--creds', creds, reference], fresh), 'podman pull');
    const inspected = await run(podman.path!, ['image', 'inspect', '--format', '{{.Id}}', reference], fresh);
    expect(inspected.stdout.toString().trim()).toBe(imageId);
  }

  /** A registry of its own; `spooled`, its gateway writes layers to local S3's spool as npm start's does, else to S3 in parts as on AWS. */
  async function freshRegistry(spooled: boolean): Promise<{ registry: RunningRegistry; creds: string; host: string }> {
    const registry = await startTestRegistry({}, spooled ? { s3SpoolDirectory: inject('s3SpoolDirectory') } : {});
    registries.push(registry);
    return { registry, creds: await credsFor(registry), host: new URL(registry.url).host };
  }

  it('buildah pushes uncompressed layers through the gateway, as on AWS, and podman pulls the same image back', async () => {
    const { registry, creds, host } = await freshRegistry(false);
    const reference = `${host}/large/buildah:v1`;
    succeeded(await run(buildah.path!, ['push', '--disable-compression', '--tls-verify=false', '--creds', creds, 'localhost/berth-large:2', `docker://${reference}`]), 'buildah push');
    await expectSameImage(registry, creds, reference);
  }, 2 * TIMEOUT_MS);

  it('podman pushes zstd layers through the gateway into local mode\'s spool, and pulls the same image back', async () => {
    const { registry, creds, host } = await freshRegistry(true);
    const reference = `${host}/large/podman:v1`;
    succeeded(await run(podman.path!, ['push', '--compression-format', 'zstd', '--tls-verify=false', '--creds', creds, 'localhost/berth-large:2', `docker://${reference}`]), 'podman push');
    await expectSameImage(registry, creds, reference);
  }, 2 * TIMEOUT_MS);
});
