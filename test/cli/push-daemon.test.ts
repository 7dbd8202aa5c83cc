import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientEnv, freshHome, runBerthBundle, useBerthBins } from '../support/berth-bins.js';
import { writeDockerArchive, type DockerArchive } from '../support/docker-archive.js';
import { startDockerEngine, type DockerEngine } from '../support/docker-engine.js';
import { sha256 } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { describeWith, locateTool } from '../support/tools.js';

/** berth push docker-daemon:IMAGE, through the real docker CLI (`docker save`) and an engine that serves the image. */

const docker = locateTool('docker', 'apt-get install docker.io');
const registry = useRegistry();
const bins = useBerthBins();
const host = () => new URL(registry().url).host;

let engine: DockerEngine;
let archive: DockerArchive;

function push(image: string, target: string, dockerHost: string) {
  const env = clientEnv(bins(), freshHome(bins()), { credentials: registry().adminKey, extra: { DOCKER_HOST: dockerHost } });
  return runBerthBundle(bins(), ['push', `docker-daemon:${image}`, target], env);
}

describeWith([docker], 'berth push docker-daemon:', () => {
  beforeAll(async () => {
    const file = join(freshHome(bins(), 'engine'), 'app.tar');
    archive = writeDockerArchive(file, 'example/app:1.0', [[randomBytes(2 * 1024 * 1024)], [Buffer.from('hello')]]);
    engine = await startDockerEngine(new Map([['example/app:1.0', readFileSync(file)]]));
  });

  afterAll(async () => {
    await engine?.stop();
  });

  it('pushes an image the engine has, as docker save hands it over', async () => {
    const result = await push('example/app:1.0', `${host()}/daemon/app:1.0`, engine.host);
    expect(result.code, result.stderr).toBe(0);
    const client = clientOf(registry());
    const manifest = await client.request('GET', '/v2/daemon/app/manifests/1.0', { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    expect(manifest.status).toBe(200);
    const body = JSON.parse(Buffer.from(await manifest.arrayBuffer()).toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
    expect(body.config.digest).toBe(archive.config.digest);
    expect(body.layers.map((layer) => layer.digest)).toEqual(archive.layers.map((layer) => layer.digest));
    for (const layer of archive.layers) expect(sha256(await client.downloadBlob('daemon/app', layer.digest))).toBe(layer.digest);
  });

  it('says what the engine answered for an image it does not have', async () => {
    const result = await push('example/missing:1.0', `${host()}/daemon/missing:1.0`, engine.host);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('berth: DockerSaveFailed: docker save example/missing:1.0 failed (exit 1): Error response from daemon: reference does not exist: example/missing:1.0');
    expect((await clientOf(registry()).request('HEAD', '/v2/daemon/missing/manifests/1.0')).status).toBe(404);
  });

  it('explains an engine that does not answer', async () => {
    const result = await push('example/app:1.0', `${host()}/daemon/down:1.0`, 'tcp://127.0.0.1:1');
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'berth: DockerSaveFailed: docker save example/app:1.0 failed (exit 1): Cannot connect to the Docker daemon at tcp://127.0.0.1:1. Is the docker daemon running?',
      'hint: check that the docker engine is running and has the image (docker image ls), or push a `docker save` archive with docker-archive:FILE',
    ]);
  });
});
