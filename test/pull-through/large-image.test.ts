import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CreatePullThroughCacheRuleCommand } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningRegistry } from '../../local/berth-server.js';
import { ecrClient } from '../support/aws-cli.js';
import { distributionTool, startDistribution, type Distribution } from '../support/distribution.js';
import { startTestRegistry } from '../support/registry.js';
import { describeWith, locateTool, runTool, type ToolResult } from '../support/tools.js';
import { pullWithSkopeo, registryCreds, skopeo } from './support.js';

/**
 * A first pull of an image with a 200 MiB layer from an upstream that serves blob bytes itself
 * (distribution 2.8, no CDN redirect): the registry stores the layer in the background and
 * answers the client once it can redirect to the bucket, sending it back to ask again while it
 * cannot. podman and skopeo each pull it on their first try, each from a registry of its own,
 * so that neither finds the layer stored by the other.
 */

const MIB = 1024 * 1024;
const LAYER_MIB = 200;
const TIMEOUT_MS = 240_000;

const podman = locateTool('podman', 'apt-get install podman');
const buildah = locateTool('buildah', 'apt-get install buildah');

function succeeded(result: ToolResult, what: string): void {
  expect(result.code, `${what} failed:\n${result.stderr}`).toBe(0);
}

describeWith([distributionTool, skopeo, podman, buildah], 'a first pull of a large image through the cache', () => {
  let work: string;
  let upstream: Distribution;
  let imageId: string;
  let manifestDigest: string;
  const registries: RunningRegistry[] = [];
  const storageAt = (dir: string) => ['--storage-driver', 'vfs', '--root', join(dir, 'root'), '--runroot', join(dir, 'run')];
  const run = (tool: string, args: string[], dir: string) => runTool(tool, [...storageAt(dir), ...args], TIMEOUT_MS);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-pt-large-'));
    upstream = await startDistribution();
    const file = join(work, 'layer.bin');
    await pipeline(function* () {
      for (let left = LAYER_MIB * MIB; left > 0; left -= 8 * MIB) yield randomBytes(Math.min(8 * MIB, left));
    }, createWriteStream(file));
    const build = join(work, 'build');
    succeeded(await run(buildah.path!, ['from', '--name', 'berth-pt-large', 'scratch'], build), 'buildah from');
    succeeded(await run(buildah.path!, ['copy', 'berth-pt-large', file, '/layer.bin'], build), 'buildah copy');
    succeeded(await run(buildah.path!, ['commit', '--rm', 'berth-pt-large', 'localhost/berth-pt-large:v1'], build), 'buildah commit');
    imageId = (await run(podman.path!, ['image', 'inspect', '--format', '{{.Id}}', 'localhost/berth-pt-large:v1'], build)).stdout.toString().trim();
    // Uncompressed, as pushed: the upstream's layer is the whole 200 MiB.
    succeeded(await run(buildah.path!, ['push', '--disable-compression', '--tls-verify=false', 'localhost/berth-pt-large:v1', `docker://${upstream.host}/team/large:v1`], build), 'buildah push');
    const head = await fetch(`${upstream.url}/v2/team/large/manifests/v1`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
    manifestDigest = head.headers.get('docker-content-digest')!;
  }, 2 * TIMEOUT_MS);
  afterAll(async () => {
    for (const registry of registries) await registry.pullThroughSettled();
    await Promise.all(registries.map((registry) => registry.stop()));
    await upstream?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function registryWithRule(): Promise<RunningRegistry> {
    const registry = await startTestRegistry({}, { pullThrough: {} });
    registries.push(registry);
    await ecrClient(registry).send(new CreatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'mirror', upstreamRegistryUrl: upstream.url }));
    return registry;
  }

  it('podman pulls it on the first try, and has the image that was built', async () => {
    const registry = await registryWithRule();
    const reference = `${new URL(registry.url).host}/mirror/team/large:v1`;
    const pulled = join(work, 'podman');
    mkdirSync(pulled);
    succeeded(await run(podman.path!, ['pull', '--tls-verify=false', '--creds', await registryCreds(registry), reference], pulled), 'podman pull');
    // podman checks each layer against the config's diff_ids; the image ID is the config's digest.
    expect((await run(podman.path!, ['image', 'inspect', '--format', '{{.Id}}', reference], pulled)).stdout.toString().trim()).toBe(imageId);
  }, TIMEOUT_MS);

  it('skopeo pulls it on the first try, with the upstream\'s digest', async () => {
    const registry = await registryWithRule();
    const pulled = await pullWithSkopeo(registry, 'mirror/team/large:v1', [], TIMEOUT_MS);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.digest).toBe(manifestDigest);
  }, TIMEOUT_MS);
});
