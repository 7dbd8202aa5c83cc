import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MIN_PART_BYTES } from '../../lambdas/registry/blobs/upload-service.js';
import { MAX_REQUEST_BODY_BYTES } from '../../lambdas/shared/limits.js';
import { errorCodes, type RegistryClient } from '../support/client.js';
import { blob, sha256 } from '../support/oci.js';
import { useRegistry, clientOf } from '../support/registry.js';

// The API alone (no upload gateway): every upload request passes its request limit.
const registry = useRegistry({}, { uploadGateway: false });
const client = () => clientOf(registry());

async function patchOn(url: string, bytes: Buffer, start: number | undefined, on: RegistryClient): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (start !== undefined) headers['content-range'] = `${start}-${start + bytes.length - 1}`;
  return on.fetch(url, { method: 'PATCH', body: bytes, headers });
}

const patch = (url: string, bytes: Buffer, start?: number) => patchOn(url, bytes, start, client());
const download = (repository: string, digest: string) => client().downloadBlob(repository, digest);

function sessionId(url: string): string {
  return new URL(url).pathname.split('/').pop()!;
}

function withDigest(url: string, digest: string): string {
  const target = new URL(url);
  target.searchParams.set('digest', digest);
  return target.toString();
}

describe('starting an upload', () => {
  it('answers 202 with Location, Range and the largest accepted chunk', async () => {
    const response = await client().request('POST', '/v2/uploads/start/blobs/uploads/');
    expect(response.status).toBe(202);
    const location = response.headers.get('location')!;
    expect(location).toMatch(/^\/v2\/uploads\/start\/blobs\/uploads\/[\w-]+$/);
    expect(response.headers.get('range')).toBe('0-0');
    expect(response.headers.get('oci-chunk-max-length')).toBe(String(MAX_REQUEST_BODY_BYTES));
    expect(response.headers.get('content-length')).toBe('0');
  });

  it('takes a whole blob in one POST with ?digest=', async () => {
    const item = blob(randomBytes(4096));
    const response = await client().request('POST', `/v2/uploads/monolithic/blobs/uploads/?digest=${item.digest}`, { body: item.bytes });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/v2/uploads/monolithic/blobs/${item.digest}`);
    expect(response.headers.get('docker-content-digest')).toBe(item.digest);
    expect(sha256(await download('uploads/monolithic', item.digest))).toBe(item.digest);
  });

  it('stores the empty blob', async () => {
    const empty = blob(Buffer.alloc(0));
    const response = await client().request('POST', `/v2/uploads/empty/blobs/uploads/?digest=${empty.digest}`);
    expect(response.status).toBe(201);
    const head = await client().request('HEAD', `/v2/uploads/empty/blobs/${empty.digest}`);
    expect(head.headers.get('content-length')).toBe('0');
    expect(await download('uploads/empty', empty.digest)).toEqual(Buffer.alloc(0));
  });

  it('refuses a POST whose body does not match ?digest= and stores nothing', async () => {
    const item = blob(randomBytes(100));
    const wrong = sha256(Buffer.from('something else'));
    const response = await client().request('POST', `/v2/uploads/bad-post/blobs/uploads/?digest=${wrong}`, { body: item.bytes });
    expect(response.status).toBe(400);
    expect(await errorCodes(response)).toEqual(['DIGEST_INVALID']);
    expect((await client().request('HEAD', `/v2/uploads/bad-post/blobs/${wrong}`)).status).toBe(404);
    expect(await registry().store.getBlob(wrong)).toBeUndefined();
  });

  it('leaves no repository behind when create-on-push would have made one for a refused POST', async () => {
    const malformed = await client().request('POST', '/v2/uploads/never-malformed/blobs/uploads/?digest=1295');
    expect(await errorCodes(malformed)).toEqual(['DIGEST_INVALID']);
    const mismatched = await client().request('POST', `/v2/uploads/never-mismatched/blobs/uploads/?digest=${sha256(Buffer.from('other'))}`, { body: randomBytes(10) });
    expect(await errorCodes(mismatched)).toEqual(['DIGEST_INVALID']);
    for (const name of ['uploads/never-malformed', 'uploads/never-mismatched']) {
      expect(await registry().store.getRepository(name)).toBeUndefined();
    }
    const accepted = blob(randomBytes(10));
    expect((await client().request('POST', `/v2/uploads/made-on-push/blobs/uploads/?digest=${accepted.digest}`, { body: accepted.bytes })).status).toBe(201);
    expect(await registry().store.getRepository('uploads/made-on-push')).toBeDefined();
  });
});

// The same upload semantics whether sessions continue on the API or on the upload gateway.
const gatewayRegistry = useRegistry();

describe.each([
  { path: 'on the API', running: registry },
  { path: 'through the upload gateway', running: gatewayRegistry },
])('chunked uploads $path', ({ running }) => {
  const registry = running;
  const client = () => clientOf(running());
  const patch = (url: string, bytes: Buffer, start?: number) => patchOn(url, bytes, start, client());
  const download = (repository: string, digest: string) => client().downloadBlob(repository, digest);

  it('accepts ordered chunks, reports progress and completes with a final chunk', async () => {
    const bytes = randomBytes(3000);
    const url = await client().startUpload('uploads/chunked');
    const first = await patch(url, bytes.subarray(0, 1000), 0);
    expect(first.status).toBe(202);
    expect(first.headers.get('range')).toBe('0-999');
    const second = await patch(client().url(first.headers.get('location')!), bytes.subarray(1000, 2000), 1000);
    expect(second.headers.get('range')).toBe('0-1999');

    const status = await client().fetch(url);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-1999');
    expect(client().url(status.headers.get('location')!)).toBe(url);

    const done = await client().fetch(withDigest(url, sha256(bytes)), {
      method: 'PUT', body: bytes.subarray(2000), headers: { 'content-range': '2000-2999', 'content-type': 'application/octet-stream' },
    });
    expect(done.status).toBe(201);
    expect(done.headers.get('docker-content-digest')).toBe(sha256(bytes));
    expect(await download('uploads/chunked', sha256(bytes))).toEqual(bytes);
  });

  it('answers 416 with the current Range to an out-of-order or repeated chunk', async () => {
    const bytes = randomBytes(2000);
    const url = await client().startUpload('uploads/order');
    expect((await patch(url, bytes.subarray(0, 1000), 0)).status).toBe(202);

    const repeated = await patch(url, bytes.subarray(0, 1000), 0);
    expect(repeated.status).toBe(416);
    expect(repeated.headers.get('range')).toBe('0-999');
    expect(client().url(repeated.headers.get('location')!)).toBe(url);

    const gap = await patch(url, bytes.subarray(1500), 1500);
    expect(gap.status).toBe(416);
    const malformed = await client().fetch(url, { method: 'PATCH', body: bytes.subarray(1000), headers: { 'content-range': 'middle' } });
    expect(malformed.status).toBe(416);

    // The refused chunks changed nothing: the upload resumes where it was.
    expect((await patch(url, bytes.subarray(1000), 1000)).status).toBe(202);
    expect((await client().fetch(withDigest(url, sha256(bytes)), { method: 'PUT' })).status).toBe(201);
    expect(await download('uploads/order', sha256(bytes))).toEqual(bytes);
  });

  it('takes a streamed PATCH without Content-Range, then a PUT with no body', async () => {
    const bytes = randomBytes(5000);
    const url = await client().startUpload('uploads/streamed');
    const streamed = await patch(url, bytes);
    expect(streamed.status).toBe(202);
    expect(streamed.headers.get('range')).toBe('0-4999');
    const done = await client().fetch(withDigest(url, sha256(bytes)), { method: 'PUT' });
    expect(done.status).toBe(201);
    expect(await download('uploads/streamed', sha256(bytes))).toEqual(bytes);
  });

  it('takes a whole blob in the PUT of a fresh session', async () => {
    const bytes = randomBytes(1234);
    const url = await client().startUpload('uploads/put-only');
    const done = await client().fetch(withDigest(url, sha256(bytes)), { method: 'PUT', body: bytes });
    expect(done.status).toBe(201);
    expect(await download('uploads/put-only', sha256(bytes))).toEqual(bytes);
  });

  it('assembles a blob larger than one request from chunks resumed across requests, via S3 multipart', async () => {
    // Chunks under the request limit; their sum passes the 5 MiB part minimum twice.
    const chunk = 3 * 1024 * 1024;
    const bytes = randomBytes(4 * chunk + 12345);
    let url = await client().startUpload('uploads/large');
    for (let start = 0; start < bytes.length; start += chunk) {
      const response = await patch(url, bytes.subarray(start, start + chunk), start);
      expect(response.status).toBe(202);
      url = client().url(response.headers.get('location')!);
    }
    const session = await registry().store.getUpload(sessionId(url));
    expect(session?.multipart?.parts.length).toBeGreaterThanOrEqual(2);
    expect(bytes.length).toBeGreaterThan(2 * MIN_PART_BYTES);

    const done = await client().fetch(withDigest(url, sha256(bytes)), { method: 'PUT' });
    expect(done.status).toBe(201);
    const head = await client().request('HEAD', `/v2/uploads/large/blobs/${sha256(bytes)}`);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(sha256(await download('uploads/large', sha256(bytes)))).toBe(sha256(bytes));
  });

  it('rejects a wrong digest at completion with DIGEST_INVALID and makes nothing visible', async () => {
    const bytes = randomBytes(800);
    const wrong = sha256(randomBytes(8));
    const url = await client().startUpload('uploads/mismatch');
    await patch(url, bytes, 0);
    const done = await client().fetch(withDigest(url, wrong), { method: 'PUT' });
    expect(done.status).toBe(400);
    expect(await errorCodes(done)).toEqual(['DIGEST_INVALID']);
    expect((await client().request('HEAD', `/v2/uploads/mismatch/blobs/${wrong}`)).status).toBe(404);
    expect((await client().request('HEAD', `/v2/uploads/mismatch/blobs/${sha256(bytes)}`)).status).toBe(404);
    expect(await registry().store.getBlob(wrong)).toBeUndefined();
  });

  it('requires a sha256 digest to complete', async () => {
    const url = await client().startUpload('uploads/no-digest');
    const missing = await client().fetch(url, { method: 'PUT' });
    expect(missing.status).toBe(400);
    expect(await errorCodes(missing)).toEqual(['DIGEST_INVALID']);
    const malformed = await client().fetch(withDigest(url, 'sha256:short'), { method: 'PUT' });
    expect(await errorCodes(malformed)).toEqual(['DIGEST_INVALID']);
  });

  it('cancels with DELETE, after which the session is unknown', async () => {
    const url = await client().startUpload('uploads/cancel');
    await patch(url, randomBytes(100), 0);
    expect((await client().fetch(url, { method: 'DELETE' })).status).toBe(204);
    const status = await client().fetch(url);
    expect(status.status).toBe(404);
    expect(await errorCodes(status)).toEqual(['BLOB_UPLOAD_UNKNOWN']);
  });

  it('expires abandoned sessions: the sweeper removes them and their buffered bytes', async () => {
    const url = await client().startUpload('uploads/abandoned');
    await patch(url, randomBytes(1000), 0);
    const id = sessionId(url);
    const session = await registry().store.getUpload(id);
    expect(session?.pending).toBeDefined();

    const later = new Date((session!.expiresAt + 1) * 1000);
    expect(await registry().sweep(later)).toBeGreaterThanOrEqual(1);
    expect(await registry().store.getUpload(id)).toBeUndefined();
    expect(await registry().blobs.head(session!.pending!.objectKey)).toBeUndefined();
    expect((await client().fetch(url)).status).toBe(404);
  });
});

describe('upload sessions on the API', () => {
  it('answers BLOB_UPLOAD_UNKNOWN for a session of another repository or an unknown id', async () => {
    const url = await client().startUpload('uploads/owner');
    const stolen = url.replace('/uploads/owner/', '/uploads/thief/');
    await client().startUpload('uploads/thief');
    expect((await client().fetch(stolen)).status).toBe(404);
    const unknown = await client().request('GET', '/v2/uploads/owner/blobs/uploads/no-such-session');
    expect(await errorCodes(unknown)).toEqual(['BLOB_UPLOAD_UNKNOWN']);
  });

});

describe('the request-size limit', () => {
  it('answers 413 in OCI form, naming the limit and berth push', async () => {
    const url = await client().startUpload('uploads/too-large');
    const response = await patch(url, randomBytes(MAX_REQUEST_BODY_BYTES + 1024), 0);
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]!.code).toBe('SIZE_INVALID');
    expect(body.errors[0]!.message).toContain(String(MAX_REQUEST_BODY_BYTES));
    expect(body.errors[0]!.message).toContain('berth push');
    // The session is untouched and accepts chunks within the limit.
    expect((await patch(url, randomBytes(10), 0)).status).toBe(202);
  });

  it('refuses bodies over API Gateway\'s 10 MB limit the same way', async () => {
    const response = await client().request('POST', `/v2/uploads/huge/blobs/uploads/?digest=${sha256(Buffer.alloc(1))}`, {
      body: Buffer.alloc(11 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(await errorCodes(response)).toEqual(['SIZE_INVALID']);
  });
});
