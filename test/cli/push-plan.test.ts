import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BerthApi } from '../../cli/berth-api.js';
import type { Ecr } from '../../cli/command.js';
import { resolveRegistry } from '../../cli/registry.js';
import type { BlobSource, ManifestEntry } from '../../cli/transfer/plan.js';
import { createProgress } from '../../cli/transfer/progress.js';
import { executePush } from '../../cli/transfer/push.js';

/**
 * executePush against a fake registry: the multipart plan the registry gives
 * above 5 GiB (here for a small blob), parts cut from one stream, ETags handed back.
 */

const parts = new Map<number, Buffer>();
const manifests: { path: string; contentType: string | undefined }[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url!, base);
      if (url.pathname === '/part') {
        const number = Number(url.searchParams.get('n'));
        parts.set(number, Buffer.concat(chunks));
        response.writeHead(200, { etag: `"etag-${number}"` }).end();
      } else {
        manifests.push({ path: url.pathname, contentType: request.headers['content-type'] });
        response.writeHead(201).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function source(bytes: Buffer, chunk = 1000): BlobSource {
  return {
    digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    size: bytes.length,
    open: async () => new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += chunk) controller.enqueue(bytes.subarray(at, at + chunk));
        controller.close();
      },
    }),
  };
}

describe('executePush with a multipart plan', () => {
  it('cuts the stream into the parts the registry asked for and completes with their ETags', async () => {
    const bytes = randomBytes(10_500);
    const blob = source(bytes, 777);
    const calls: { action: string; input: Record<string, unknown> }[] = [];
    const api: BerthApi = {
      accessKeyId: async () => 'AKIA',
      region: async () => 'us-east-1',
      loginToken: async () => ({ password: 'token', expiresAt: new Date(), proxyEndpoint: base, authorizationData: { authorizationToken: '', expiresAt: 0, proxyEndpoint: base } }),
      call: async (action, input) => {
        calls.push({ action, input });
        if (action === 'InitiateBlobUpload') {
          return { status: 'UPLOAD', uploadId: 'u1', partSize: 4000, parts: [1, 2, 3].map((n) => ({ partNumber: n, url: `${base}/part?n=${n}` })) };
        }
        return { repositoryName: 'team/app', digest: blob.digest, size: blob.size };
      },
    };
    const ecr = { send: async () => ({ layers: [] }) } as unknown as Ecr;
    const manifest: ManifestEntry = { digest: 'sha256:abc', mediaType: 'application/vnd.oci.image.manifest.v1+json', bytes: Buffer.from('{}') };
    const outcome = await executePush({ blobs: [blob], manifests: [manifest], top: manifest },
      { registry: resolveRegistry(base, {}), repository: 'team/app', tag: 'v1' }, { ecr, api }, { concurrency: 4, progress: createProgress(undefined) });

    expect(outcome).toMatchObject({ uploaded: [blob.digest], skipped: [], bytes: bytes.length });
    expect([...parts.keys()].sort()).toEqual([1, 2, 3]);
    expect(parts.get(1)!.length).toBe(4000);
    expect(parts.get(3)!.length).toBe(2500);
    expect(Buffer.concat([1, 2, 3].map((n) => parts.get(n)!)).equals(bytes)).toBe(true);
    expect(calls.at(-1)).toEqual({ action: 'CompleteBlobUpload', input: { repositoryName: 'team/app', uploadId: 'u1', parts: [1, 2, 3].map((n) => ({ partNumber: n, eTag: `"etag-${n}"` })) } });
    expect(manifests).toEqual([{ path: '/v2/team/app/manifests/v1', contentType: 'application/vnd.oci.image.manifest.v1+json' }]);
  });
});
