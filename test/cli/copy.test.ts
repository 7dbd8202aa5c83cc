import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientEnv, freshHome, runBerthBundle, useBerthBins, type ProcessResult } from '../support/berth-bins.js';
import { distributionTool, seedDistribution, startDistribution, type Distribution } from '../support/distribution.js';
import { artifact, blob, EMPTY_CONFIG, ociImage, ociIndex, sha256 } from '../support/oci.js';
import { basicAuth, clientOf, useRegistry } from '../support/registry.js';
import { describeWith } from '../support/tools.js';

/** berth copy into Berth: from Debian's docker-registry (distribution, no auth, plain HTTP on 127.0.0.1), from Berth itself, and from sources that refuse. */

const registry = useRegistry();
const bins = useBerthBins();

function berth(args: string[]): Promise<ProcessResult> {
  return runBerthBundle(bins(), args, clientEnv(bins(), freshHome(bins()), { credentials: registry().adminKey }));
}

describeWith([distributionTool], 'berth copy from a distribution registry', () => {
  let source: Distribution | undefined;
  beforeAll(async () => {
    source = await startDistribution();
  });
  afterAll(async () => {
    await source?.stop();
  });

  it('copies a two-platform index from a distribution registry with all its images, keeping the digests', async () => {
    const AMD64 = { os: 'linux', architecture: 'amd64' };
    const ARM64 = { os: 'linux', architecture: 'arm64' };
    // More blobs than Node's 10 listeners per abort signal: no MaxListenersExceededWarning may reach the terminal.
    const amd64 = ociImage({ layerSizes: [300_000, 2000, ...Array.from({ length: 10 }, (_, i) => 100 + i)], platform: AMD64 });
    const arm64 = ociImage({ layerSizes: [400_000, 3000], platform: ARM64 });
    const index = ociIndex([{ image: amd64, platform: AMD64 }, { image: arm64, platform: ARM64 }]);
    await seedDistribution(source!, 'library/multi', [amd64, arm64].flatMap((image) => [image.config, ...image.layers]), [
      { reference: amd64.manifest.digest, manifest: amd64.manifest },
      { reference: arm64.manifest.digest, manifest: arm64.manifest },
      { reference: 'v1', manifest: index },
    ]);

    const host = new URL(registry().url).host;
    const result = await berth(['copy', `docker://${source!.host}/library/multi:v1`, `docker://${host}/copied/multi:v1`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Pushed ${host}/copied/multi:v1@${index.digest}`);
    expect(result.stderr).not.toContain('Warning');

    const client = clientOf(registry());
    const top = await client.request('GET', '/v2/copied/multi/manifests/v1', { headers: { accept: index.mediaType } });
    expect(sha256(Buffer.from(await top.arrayBuffer()))).toBe(index.digest);
    for (const image of [amd64, arm64]) {
      expect((await client.request('HEAD', `/v2/copied/multi/manifests/${image.manifest.digest}`)).status).toBe(200);
      for (const item of [image.config, ...image.layers]) expect((await client.request('HEAD', `/v2/copied/multi/blobs/${item.digest}`)).status).toBe(200);
    }

    // By digest, into another repository: the blobs are linked, none uploaded.
    const again = await berth(['copy', `docker://${source!.host}/library/multi@${index.digest}`, `docker://${host}/copied/again:v2`]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('0 blobs uploaded');
  });

  it('says when the source has no such image', async () => {
    const host = new URL(registry().url).host;
    const result = await berth(['copy', `docker://${source!.host}/library/none:v1`, `docker://${host}/copied/none:v1`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^berth: ManifestUnknown: /);
  });

  it('authenticates with a bearer token from the realm the source names, as Docker Hub and GHCR ask', async () => {
    const image = ociImage({ layerSizes: [5000] });
    await seedDistribution(source!, 'team/app', [image.config, ...image.layers], [{ reference: 'one', manifest: image.manifest }]);

    // A front that asks for Bearer tokens, issued to the anonymous for pulls of team/app, and forwards to distribution.
    const scopes: string[] = [];
    const front: Server = createServer((request, response) => {
      const url = new URL(request.url!, 'http://front');
      if (url.pathname === '/token') {
        scopes.push(`${url.searchParams.get('service')} ${url.searchParams.get('scope')}`);
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'secret-token' }));
        return;
      }
      if (request.headers.authorization !== 'Bearer secret-token') {
        const { port } = front.address() as AddressInfo;
        response.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="front.test",scope="repository:team/app:pull"` }).end();
        return;
      }
      fetch(`${source!.url}${url.pathname}`, { headers: { accept: request.headers.accept ?? '*/*' } }).then(async (upstream) => {
        response.writeHead(upstream.status, Object.fromEntries([...upstream.headers].filter(([name]) => ['content-type', 'content-length', 'docker-content-digest'].includes(name))));
        response.end(Buffer.from(await upstream.arrayBuffer()));
      }, () => response.writeHead(502).end());
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = front.address() as AddressInfo;
      const host = new URL(registry().url).host;
      const result = await berth(['copy', `docker://127.0.0.1:${port}/team/app:one`, `docker://${host}/copied/bearer:one`]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`@${image.manifest.digest}`);
      expect(scopes[0]).toBe('front.test repository:team/app:pull');
    } finally {
      await new Promise((resolve) => front.close(resolve));
    }
  });

});

describe('berth copy', () => {
  it('brings the referrers along from a registry that serves them, with Basic --src-creds', async () => {
    const client = clientOf(registry());
    const image = ociImage({ layerSizes: [1000] });
    await client.pushImage('origin/app', 'v1', image);
    const payload = blob(JSON.stringify({ spdxVersion: 'SPDX-2.3' }), 'application/spdx+json');
    const sbom = artifact(image.manifest, 'application/vnd.example.sbom.v1+json', payload);
    for (const item of [EMPTY_CONFIG, payload]) await client.pushBlob('origin/app', item);
    expect((await client.pushManifest('origin/app', sbom.digest, sbom)).status).toBe(201);

    const creds = Buffer.from((await basicAuth(registry(), ['pull'])).slice('Basic '.length), 'base64').toString('utf8');
    const host = new URL(registry().url).host;
    const result = await berth(['copy', `docker://${host}/origin/app:v1`, `docker://${host}/copied/with-sbom:v1`, '--src-creds', creds]);
    expect(result.code, result.stderr).toBe(0);
    expect((await client.request('HEAD', `/v2/copied/with-sbom/manifests/${sbom.digest}`)).status).toBe(200);
    const referrers = (await (await client.request('GET', `/v2/copied/with-sbom/referrers/${image.manifest.digest}`)).json()) as { manifests: { digest: string }[] };
    expect(referrers.manifests.map((entry) => entry.digest)).toEqual([sbom.digest]);

    const refused = await berth(['copy', `docker://${host}/origin/app:v1`, `docker://${host}/copied/anonymous:v1`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^berth: Unauthorized: .*needs credentials\nhint: give them with --src-creds USER:PASSWORD\n$/);
  });

  it('says why a source refused, and what to do: a pull limit, a refusal, a server error', async () => {
    // A source that answers each repository with one status, as Docker Hub answers when its pull limit is reached.
    const statuses: Record<string, number> = { limited: 429, forbidden: 403, broken: 503 };
    // One more serves its manifest, then refuses the blobs.
    const image = ociImage({ layerSizes: [100] });
    const front = createServer((request, response) => {
      const [, , repository, kind] = new URL(request.url!, 'http://front').pathname.split('/');
      if (repository === 'blobs-limited' && kind === 'manifests') {
        response.writeHead(200, { 'content-type': image.manifest.mediaType }).end(image.manifest.bytes);
        return;
      }
      response.writeHead(repository === 'blobs-limited' ? 429 : statuses[repository!] ?? 404, { 'content-type': 'application/json' }).end('{"errors":[]}');
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = front.address() as AddressInfo;
      const host = new URL(registry().url).host;
      const copy = (repository: string, extra: string[] = []) => berth(['copy', `docker://127.0.0.1:${port}/${repository}:v1`, `docker://${host}/copied/${repository}:v1`, ...extra]);
      const limited = await copy('limited');
      expect(limited.code).toBe(1);
      expect(limited.stderr).toBe(`berth: TooManyRequests: 127.0.0.1:${port} limits the pulls it serves, and refused manifest v1 (HTTP 429)\nhint: sign in with --src-creds USER:PASSWORD (Docker Hub allows signed-in users more pulls), or try again later\n`);
      expect((await copy('limited', ['--src-creds', 'user:secret'])).stderr).toContain('hint: try again later');
      expect((await copy('forbidden')).stderr).toBe(`berth: Unauthorized: 127.0.0.1:${port}/forbidden refused access to manifest v1 (HTTP 403)\nhint: give credentials with --src-creds USER:PASSWORD\n`);
      expect((await copy('broken')).stderr).toBe(`berth: HTTP503: 127.0.0.1:${port}/broken could not serve manifest v1 (HTTP 503)\n`);
      const blobs = await copy('blobs-limited');
      expect(blobs.code).toBe(1);
      expect(blobs.stderr).toMatch(new RegExp(`^berth: TooManyRequests: 127\\.0\\.0\\.1:${port} limits the pulls it serves, and refused blob sha256:[a-f0-9]{64} \\(HTTP 429\\)$`, 'm'));
      expect((await clientOf(registry()).request('HEAD', '/v2/copied/blobs-limited/manifests/v1')).status).toBe(404);
    } finally {
      await new Promise((resolve) => front.close(resolve));
    }
  });
});
