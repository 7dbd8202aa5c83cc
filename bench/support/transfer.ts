import { MANIFEST_MEDIA_TYPES } from '../../lambdas/registry/media-types.js';
import type { RegistryClient } from '../../test/support/client.js';
import { sha256, type Blob, type Image } from '../../test/support/oci.js';

/** What a push or pull moved, and how many HTTP requests it took. */
export interface Transfer {
  bytes: number;
  requests: number;
  /** The largest PATCH body sent; chunks are cut to the registry's advertised OCI-Chunk-Max-Length. */
  largestChunk: number;
}

const ACCEPT_MANIFESTS = MANIFEST_MEDIA_TYPES.join(', ');

/**
 * The chunked upload flow of the OCI spec: POST, then PATCH chunks no larger
 * than the OCI-Chunk-Max-Length the registry advertises, each to the Location
 * the previous response gave, then PUT ?digest= to complete.
 */
export async function pushBlobChunked(client: RegistryClient, repository: string, item: Blob): Promise<Transfer> {
  const started = await expectStatus(client.request('POST', `/v2/${repository}/blobs/uploads/`), 202, 'upload start');
  const maxChunk = Number(started.headers.get('oci-chunk-max-length'));
  if (!Number.isInteger(maxChunk) || maxChunk <= 0) throw new Error('the registry did not advertise OCI-Chunk-Max-Length');
  let location = started.headers.get('location')!;
  let requests = 1;
  let largestChunk = 0;
  for (let start = 0; start < item.bytes.length; start += maxChunk) {
    const chunk = item.bytes.subarray(start, Math.min(start + maxChunk, item.bytes.length));
    const response = await expectStatus(client.request('PATCH', pathOf(client, location), {
      body: chunk,
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + chunk.length - 1}` },
    }), 202, 'chunk upload');
    location = response.headers.get('location')!;
    requests += 1;
    largestChunk = Math.max(largestChunk, chunk.length);
  }
  const finish = new URL(location, client.baseUrl);
  finish.searchParams.set('digest', item.digest);
  await expectStatus(client.request('PUT', finish.pathname + finish.search), 201, 'upload completion');
  return { bytes: item.bytes.length, requests: requests + 1, largestChunk };
}

/** Pushes the config and layers one after another in chunks, then the manifest under `tag`. */
export async function pushImageChunked(client: RegistryClient, repository: string, tag: string, image: Image): Promise<Transfer> {
  const pushed: Transfer = { bytes: 0, requests: 0, largestChunk: 0 };
  for (const item of [image.config, ...image.layers]) add(pushed, await pushBlobChunked(client, repository, item));
  await expectStatus(client.pushManifest(repository, tag, image.manifest), 201, 'manifest push');
  return add(pushed, { bytes: image.manifest.bytes.length, requests: 1, largestChunk: 0 });
}

/**
 * Pulls as a client does: the manifest by reference, then every blob by its
 * 307 redirect to the presigned S3 URL, reading all bytes and checking digests.
 */
export async function pullImage(client: RegistryClient, repository: string, reference: string): Promise<Transfer> {
  const response = await expectStatus(client.request('GET', `/v2/${repository}/manifests/${reference}`, { headers: { accept: ACCEPT_MANIFESTS } }), 200, 'manifest GET');
  const body = Buffer.from(await response.arrayBuffer());
  verify(body, response.headers.get('docker-content-digest')!, body.length);
  const manifest = JSON.parse(body.toString('utf8')) as { config: Descriptor; layers: Descriptor[] };
  const pulled: Transfer = { bytes: body.length, requests: 1, largestChunk: 0 };
  for (const descriptor of [manifest.config, ...manifest.layers]) add(pulled, await pullBlob(client, repository, descriptor));
  return pulled;
}

interface Descriptor {
  digest: string;
  size: number;
}

async function pullBlob(client: RegistryClient, repository: string, descriptor: Descriptor): Promise<Transfer> {
  const redirect = await expectStatus(client.request('GET', `/v2/${repository}/blobs/${descriptor.digest}`), 307, 'blob GET');
  await redirect.arrayBuffer();
  // The presigned URL goes straight to S3 (s3rver here), as a client's download would.
  const download = await expectStatus(fetch(redirect.headers.get('location')!), 200, 'blob download');
  const bytes = Buffer.from(await download.arrayBuffer());
  verify(bytes, descriptor.digest, descriptor.size);
  return { bytes: bytes.length, requests: 2, largestChunk: 0 };
}

function verify(bytes: Buffer, digest: string, size: number): void {
  if (bytes.length !== size || sha256(bytes) !== digest) {
    throw new Error(`content of ${digest} does not match: got ${bytes.length} bytes hashing to ${sha256(bytes)}`);
  }
}

/** Awaits the response and fails with its body unless it has `status`. */
export async function expectStatus(pending: Promise<Response>, status: number, what: string): Promise<Response> {
  const response = await pending;
  if (response.status !== status) throw new Error(`${what} answered ${response.status}, not ${status}: ${await response.text()}`);
  return response;
}

function pathOf(client: RegistryClient, location: string): string {
  const url = new URL(location, client.baseUrl);
  return url.pathname + url.search;
}

function add(into: Transfer, more: Transfer): Transfer {
  into.bytes += more.bytes;
  into.requests += more.requests;
  into.largestChunk = Math.max(into.largestChunk, more.largestChunk);
  return into;
}
