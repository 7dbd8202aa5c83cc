import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientEnv, freshHome, runBerthBundle, useBerthBins, type ProcessResult } from '../support/berth-bins.js';
import { writeDockerArchive } from '../support/docker-archive.js';
import { blob, descriptor, sha256, type Blob } from '../support/oci.js';
import { readOciLayout, writeOciLayout } from '../support/oci-layout.js';
import { basicAuth, clientOf, useRegistry } from '../support/registry.js';
import { itWith, locateTool, runTool } from '../support/tools.js';

/** berth push, from the bundle, into a registry of its own; skopeo pulls back what it pushed, where a test compares whole images. */

const skopeo = locateTool('skopeo', 'apt-get install skopeo');

const registry = useRegistry();
const bins = useBerthBins();
const MiB = 1024 * 1024;

const host = () => new URL(registry().url).host;

function adminEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return clientEnv(bins(), freshHome(bins()), { credentials: registry().adminKey, extra });
}

function berth(args: string[], env = adminEnv(), stdin: string | Buffer = ''): Promise<ProcessResult> {
  return runBerthBundle(bins(), args, env, stdin);
}

/** An OCI image of uncompressed random layers (incompressible, so sizes are what they are on the wire). */
function rawImage(layerSizes: number[]): { manifest: Blob; config: Blob; layers: Blob[] } {
  const layers = layerSizes.map((size) => blob(randomBytes(size), 'application/vnd.oci.image.layer.v1.tar'));
  const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) }, config: {} }), 'application/vnd.oci.image.config.v1+json');
  const manifest = blob(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: descriptor(config), layers: layers.map((layer) => descriptor(layer)),
  }), 'application/vnd.oci.image.manifest.v1+json');
  return { manifest, config, layers };
}

let creds = '';

/** skopeo copies the image from Berth into a fresh layout; the manifest digest it got, and the layout. */
async function pullBack(image: string, ref: string): Promise<{ digest: string | undefined; layout: ReturnType<typeof readOciLayout> }> {
  const out = join(freshHome(bins(), 'pulled'), 'layout');
  const result = await runTool(skopeo.path!, ['--insecure-policy', 'copy', '--all', '--preserve-digests', '--src-tls-verify=false', '--src-creds', creds,
    `docker://${host()}/${image}`, `oci:${out}:${ref}`]);
  expect(result.code, result.stderr).toBe(0);
  const layout = readOciLayout(out);
  return { digest: layout.refDigest(ref), layout };
}

describe('berth push', () => {
  beforeAll(async () => {
    creds = Buffer.from((await basicAuth(registry())).slice('Basic '.length), 'base64').toString('utf8');
  });

  itWith([skopeo], 'pushes an OCI layout with a 12 MiB layer that skopeo pulls back with the same digests', async () => {
    const image = rawImage([12 * MiB, 4096]);
    const dir = join(freshHome(bins(), 'layout'), 'oci');
    writeOciLayout(dir, [{ name: 'v1', manifest: image.manifest }], [image.config, ...image.layers]);

    const result = await berth(['push', `oci:${dir}:v1`, `${host()}/push/layout:v1`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Pushed ${host()}/push/layout:v1@${image.manifest.digest}`);
    expect(result.stdout).toMatch(/3 blobs uploaded \(\d+ MiB\), 0 already there; \d+\.\d s, \d+\.\d MiB\/s$/m);
    for (const item of [image.config, ...image.layers]) expect(result.stderr).toContain(`${item.digest.slice(7, 19)}: pushed`);

    const { digest, layout } = await pullBack('push/layout:v1', 'v1');
    expect(digest).toBe(image.manifest.digest);
    expect(sha256(layout.blob(image.layers[0]!.digest))).toBe(image.layers[0]!.digest);

    // Again: everything is there already, and the full URL form of the destination works.
    const again = await berth(['push', `oci:${dir}:v1`, `${registry().url}/push/layout:v1`, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const data = JSON.parse(again.stdout) as { digest: string; uploaded: string[]; skipped: string[] };
    expect(data).toMatchObject({ digest: image.manifest.digest, uploaded: [] });
    expect(data.skipped.sort()).toEqual([image.config, ...image.layers].map((item) => item.digest).sort());
  });

  itWith([skopeo], 'pushes a multi-platform index in a layout with all its children', async () => {
    // More blobs than Node's 10 listeners per abort signal: no MaxListenersExceededWarning may reach the terminal.
    const amd64 = rawImage([1000, ...Array.from({ length: 10 }, (_, i) => 100 + i)]);
    const arm64 = rawImage([2000]);
    const index = blob(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [descriptor(amd64.manifest, { platform: { os: 'linux', architecture: 'amd64' } }), descriptor(arm64.manifest, { platform: { os: 'linux', architecture: 'arm64' } })],
    }), 'application/vnd.oci.image.index.v1+json');
    const dir = join(freshHome(bins(), 'index'), 'oci');
    writeOciLayout(dir, [{ name: 'multi', manifest: index }], [amd64.manifest, amd64.config, ...amd64.layers, arm64.manifest, arm64.config, ...arm64.layers]);
    const result = await berth(['push', `oci:${dir}`, `${host()}/push/index:multi`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('Warning');
    const { digest, layout } = await pullBack('push/index:multi', 'multi');
    expect(digest).toBe(index.digest);
    expect(layout.digests()).toContain(arm64.layers[0]!.digest);
  });

  itWith([skopeo], 'pushes a docker save archive, from a file and from standard input, as a Docker schema2 manifest', async () => {
    const file = join(freshHome(bins(), 'archive'), 'image.tar');
    const archive = writeDockerArchive(file, 'example/app:1.0', [[randomBytes(3 * MiB)], [randomBytes(1000), Buffer.from('hello')]]);
    const result = await berth(['push', `docker-archive:${file}`, `${host()}/push/archive:1.0`]);
    expect(result.code, result.stderr).toBe(0);
    const digest = /@(sha256:[a-f0-9]{64})/.exec(result.stdout)?.[1];

    const { digest: pulled, layout } = await pullBack('push/archive:1.0', 'a');
    expect(pulled).toBe(digest);
    const manifest = JSON.parse(layout.blob(digest!).toString('utf8')) as { mediaType: string; config: { digest: string }; layers: { mediaType: string; digest: string }[] };
    expect(manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(manifest.config.digest).toBe(archive.config.digest);
    expect(manifest.layers).toEqual(archive.layers.map((layer) => expect.objectContaining({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: layer.digest })));
    for (const layer of archive.layers) expect(sha256(layout.blob(layer.digest))).toBe(layer.digest);

    // docker save | berth push docker-archive:- ...: the same manifest, every blob already there.
    const piped = await berth(['push', 'docker-archive:-', `${host()}/push/archive:piped`], adminEnv(), readFileSync(file));
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toContain(`@${digest}`);
    expect(piped.stdout).toContain('0 blobs uploaded');
  });

  it('rejects a corrupted blob, and makes neither it nor the image visible', async () => {
    const image = rawImage([5000, 6000]);
    const dir = join(freshHome(bins(), 'corrupt'), 'oci');
    writeOciLayout(dir, [{ name: 'bad', manifest: image.manifest }], [image.config, ...image.layers]);
    const bad = image.layers[1]!;
    writeFileSync(join(dir, 'blobs', 'sha256', bad.digest.slice(7)), randomBytes(6000));

    const result = await berth(['push', `oci:${dir}:bad`, `${host()}/push/corrupt:bad`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`berth: DigestMismatch: blob ${bad.digest} is corrupt`);
    expect(result.stdout).toBe('');
    const client = clientOf(registry());
    expect((await client.request('HEAD', `/v2/push/corrupt/blobs/${bad.digest}`)).status).toBe(404);
    expect((await client.request('HEAD', `/v2/push/corrupt/manifests/bad`)).status).toBe(404);
    expect((await client.request('HEAD', `/v2/push/corrupt/manifests/${image.manifest.digest}`)).status).toBe(404);
  });

  it('resumes an interrupted push without uploading again the blobs it finished', async () => {
    const image = rawImage([1000, 2000, 16 * MiB, 16 * MiB]);
    const dir = join(freshHome(bins(), 'resume'), 'oci');
    writeOciLayout(dir, [{ name: 'r', manifest: image.manifest }], [image.config, ...image.layers]);
    const target = `${host()}/push/resume:r`;

    // One blob at a time; killed as soon as one is pushed.
    const finished = await new Promise<string[]>((resolve, reject) => {
      const child = spawn(process.execPath, [bins().berth, 'push', `oci:${dir}:r`, target, '--jobs', '1'], { env: adminEnv() });
      let stderr = '';
      const pushed = () => [...stderr.matchAll(/^([a-f0-9]{12}): pushed/gm)].map((match) => match[1]!);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (pushed().length > 0) child.kill('SIGKILL');
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? reject(new Error(`the push finished before it was killed:\n${stderr}`)) : resolve(pushed())));
    });
    expect(finished.length).toBeGreaterThan(0);
    const client = clientOf(registry());
    expect((await client.request('HEAD', '/v2/push/resume/manifests/r')).status).toBe(404);

    const again = await berth(['push', `oci:${dir}:r`, target]);
    expect(again.code, again.stderr).toBe(0);
    for (const short of finished) {
      expect(again.stderr).toContain(`${short}: skipped, already exists`);
      expect(again.stderr).not.toContain(`${short}: uploading`);
    }
    const all = [image.config, ...image.layers].map((item) => item.digest.slice(7, 19));
    for (const short of all.filter((item) => !finished.includes(item))) expect(again.stderr).toContain(`${short}: pushed`);
    const pushed = await client.request('HEAD', '/v2/push/resume/manifests/r');
    expect(pushed.headers.get('docker-content-digest')).toBe(image.manifest.digest);
  });

  it('keeps tag immutability: a second image under an immutable tag is refused', async () => {
    const created = await berth(['repository', 'create', 'push/immutable', '--immutable', '--registry', registry().url]);
    expect(created.code, created.stderr).toBe(0);
    const dir = join(freshHome(bins(), 'immutable'), 'oci');
    const first = rawImage([100]);
    const second = rawImage([200]);
    writeOciLayout(dir, [{ name: 'a', manifest: first.manifest }, { name: 'b', manifest: second.manifest }], [first.config, ...first.layers, second.config, ...second.layers]);
    expect((await berth(['push', `oci:${dir}:a`, `${host()}/push/immutable:v1`])).code).toBe(0);
    const refused = await berth(['push', `oci:${dir}:b`, `${host()}/push/immutable:v1`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^berth: TAG_INVALID: the registry refused v1 \(sha256:[a-f0-9]{64}\) \(HTTP 400\): .*immutable/m);
    const tagged = await clientOf(registry()).request('HEAD', '/v2/push/immutable/manifests/v1');
    expect(tagged.headers.get('docker-content-digest')).toBe(first.manifest.digest);
  });

  it('refuses an unknown source transport with its usage', async () => {
    const result = await berth(['push', 'tarball:x', `${host()}/push/x:y`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^berth: unknown source 'tarball:x'/);
  });
});
