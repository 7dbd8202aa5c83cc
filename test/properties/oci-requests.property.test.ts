import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../support/client.js';
import { ociImage, ociIndex } from '../support/oci.js';
import { basicAuth, clientOf, useRegistry } from '../support/registry.js';
import { ociRequests, type OciSeed } from './oci-arbitraries.js';
import { sendRaw, type RawRequest, type RawResponse } from './raw-request.js';
import { StateWatch, storedStateOf } from './stored-state.js';

const registry = useRegistry();
// Enough to stay well inside the 30 s test timeout on a busy machine; each run draws new cases.
const RUNS = 100;
const image = ociImage({ layerSizes: [512] });
let session = '';
const seed: OciSeed = {
  repository: 'props/seeded',
  tag: 'v1',
  manifest: image.manifest,
  blobs: [image.config, ...image.layers],
  session: () => session,
  authorization: '',
};

/** Pushes the seeded image and opens an upload session; pushing again is harmless. */
async function plantSeed(): Promise<void> {
  const client = clientOf(registry());
  await client.pushImage(seed.repository, seed.tag, image);
  session = new URL(await client.startUpload(seed.repository)).pathname.split('/').pop()!;
}

/** Whether the seeded tag, blobs and session are all still there: an accepted request may have removed one. */
async function seedIntact(): Promise<boolean> {
  const client = clientOf(registry());
  const base = `/v2/${seed.repository}`;
  const tag = await client.request('HEAD', `${base}/manifests/${seed.tag}`, { headers: { accept: seed.manifest.mediaType } });
  if (tag.headers.get('docker-content-digest') !== seed.manifest.digest) return false;
  for (const item of seed.blobs) {
    if ((await client.request('HEAD', `${base}/blobs/${item.digest}`)).status !== 200) return false;
  }
  return (await client.request('GET', `${base}/blobs/uploads/${session}`)).status === 204;
}

/**
 * The spec's error body, `{"errors":[{"code","message"}, ...]}`. A path whose
 * `..` segments resolve outside /v2 is no longer an OCI request: the management
 * API answers it, in ECR's `{"__type","message"}`.
 */
function isErrorBody(request: RawRequest, body: Buffer): boolean {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[]; __type?: unknown; message?: unknown };
    if (!/^\/v2(\/|$)/.test(new URL(request.path, 'http://registry').pathname)) {
      return typeof parsed.__type === 'string' && typeof parsed.message === 'string';
    }
    return Array.isArray(parsed.errors) && parsed.errors.length > 0
      && parsed.errors.every((error) => typeof error?.code === 'string' && typeof error?.message === 'string');
  } catch {
    return false;
  }
}

/** The exchange, for a failure message; the administrator's token is named, not printed. */
function describeRequest(request: RawRequest, response: RawResponse): string {
  const headers = { ...request.headers, ...(request.headers.authorization === seed.authorization ? { authorization: '<administrator>' } : {}) };
  return `${request.method} ${request.path} ${JSON.stringify(headers)} (${request.body.length} bytes) → ${response.status} ${response.body.toString('utf8').slice(0, 300)}`;
}

describe('any request to the OCI API', () => {
  beforeAll(async () => {
    seed.authorization = await basicAuth(registry());
    await plantSeed();
  });

  it(`answers below 500, refuses in OCI error JSON, and changes nothing when it refuses (${RUNS} runs)`, async () => {
    const watch = new StateWatch(storedStateOf(registry()), { intact: seedIntact, plant: plantSeed });
    await watch.start();
    const statuses = new Map<number, number>();

    await fc.assert(fc.asyncProperty(ociRequests(seed), async (request) => {
      const response = await sendRaw(registry().url, request);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      // A HEAD answer has no body to hold the error.
      const errorShaped = response.status < 400 || request.method === 'HEAD' || isErrorBody(request, response.body);
      await watch.check(response.status, errorShaped, describeRequest(request, response));
    }), { numRuns: RUNS });

    const refused = [...statuses].filter(([status]) => status >= 400).reduce((sum, [, count]) => sum + count, 0);
    console.log(`OCI request properties: ${RUNS} runs, ${refused} refused with state unchanged; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  });
});

describe('a refused manifest push into a repository create-on-push would make', () => {
  it('leaves no repository behind, while an accepted one creates it', async () => {
    const client = clientOf(registry());
    const refused = await client.pushManifest('props/refused-push', 'v1', ociImage().manifest);
    expect(refused.status).toBe(404);
    expect(await errorCodes(refused)).toEqual(['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_BLOB_UNKNOWN']);
    expect(await errorCodes(await client.request('GET', '/v2/props/refused-push/tags/list'))).toEqual(['NAME_UNKNOWN']);
    const catalog = (await (await client.request('GET', '/v2/_catalog')).json()) as { repositories: string[] };
    expect(catalog.repositories).not.toContain('props/refused-push');

    // An index of no manifests refers to nothing, so it needs nothing in the repository first.
    const accepted = await client.pushManifest('props/refused-push', 'v1', ociIndex([]));
    expect(accepted.status).toBe(201);
    expect((await client.request('GET', '/v2/props/refused-push/tags/list')).status).toBe(200);
  });
});
