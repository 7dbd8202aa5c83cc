import { describe, expect, it } from 'vitest';
import { errorCodes } from '../support/client.js';
import { randomBlob, sha256 } from '../support/oci.js';
import { useRegistry, clientOf } from '../support/registry.js';

const registry = useRegistry();
const client = () => clientOf(registry());

describe('blob downloads', () => {
  it('answers HEAD from metadata with size and digest', async () => {
    const item = randomBlob(3000);
    await client().pushBlob('blobs/head', item);
    const response = await client().request('HEAD', `/v2/blobs/head/blobs/${item.digest}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('3000');
    expect(response.headers.get('docker-content-digest')).toBe(item.digest);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('redirects GET to a presigned URL that serves the bytes and Range requests', async () => {
    const item = randomBlob(10_000);
    await client().pushBlob('blobs/get', item);
    const response = await client().request('GET', `/v2/blobs/get/blobs/${item.digest}`);
    expect(response.status).toBe(307);
    expect(response.headers.get('docker-content-digest')).toBe(item.digest);
    const location = response.headers.get('location')!;
    expect(location).toMatch(/X-Amz-Signature=/);
    expect(location).toMatch(/X-Amz-Expires=300/);

    const whole = Buffer.from(await (await fetch(location)).arrayBuffer());
    expect(sha256(whole)).toBe(item.digest);
    const part = await fetch(location, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(item.bytes.subarray(100, 200));
  });

  it('serves a blob only from repositories it was pushed or mounted into', async () => {
    const item = randomBlob(500);
    await client().pushBlob('blobs/owner', item);
    await client().pushBlob('blobs/other', randomBlob(10));
    const response = await client().request('GET', `/v2/blobs/other/blobs/${item.digest}`);
    expect(response.status).toBe(404);
    expect(await errorCodes(response)).toEqual(['BLOB_UNKNOWN']);
  });

  it('answers NAME_UNKNOWN for a repository that does not exist', async () => {
    const response = await client().request('GET', `/v2/blobs/nowhere/blobs/${randomBlob(1).digest}`);
    expect(response.status).toBe(404);
    expect(await errorCodes(response)).toEqual(['NAME_UNKNOWN']);
  });

  it('refuses a malformed digest with DIGEST_INVALID', async () => {
    await client().pushBlob('blobs/bad', randomBlob(1));
    const response = await client().request('HEAD', '/v2/blobs/bad/blobs/sha256:xyz');
    expect(response.status).toBe(400);
    const get = await client().request('GET', '/v2/blobs/bad/blobs/sha256:xyz');
    expect(await errorCodes(get)).toEqual(['DIGEST_INVALID']);
  });

  it('stores each digest once in S3, shared by repositories', async () => {
    const item = randomBlob(2048);
    await client().pushBlob('blobs/share-a', item);
    await client().pushBlob('blobs/share-b', item);
    const a = await registry().store.getBlobLink('blobs/share-a', item.digest);
    const b = await registry().store.getBlobLink('blobs/share-b', item.digest);
    expect(a?.objectKey).toBeDefined();
    expect(b?.objectKey).toBe(a?.objectKey);
  });

  it('deletes a blob from one repository with 202 and keeps it in others', async () => {
    const item = randomBlob(700);
    await client().pushBlob('blobs/del-a', item);
    await client().pushBlob('blobs/del-b', item);
    const deleted = await client().request('DELETE', `/v2/blobs/del-a/blobs/${item.digest}`);
    expect(deleted.status).toBe(202);
    expect((await client().request('HEAD', `/v2/blobs/del-a/blobs/${item.digest}`)).status).toBe(404);
    expect((await client().request('HEAD', `/v2/blobs/del-b/blobs/${item.digest}`)).status).toBe(200);
    const again = await client().request('DELETE', `/v2/blobs/del-a/blobs/${item.digest}`);
    expect(again.status).toBe(404);
    expect(await errorCodes(again)).toEqual(['BLOB_UNKNOWN']);
  });
});

describe('cross-repository mount', () => {
  it('mounts from a named repository with 201', async () => {
    const item = randomBlob(1200);
    await client().pushBlob('mount/source', item);
    const response = await client().request('POST', `/v2/mount/target/blobs/uploads/?mount=${item.digest}&from=mount/source`);
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`${registry().url}/v2/mount/target/blobs/${item.digest}`);
    expect(response.headers.get('docker-content-digest')).toBe(item.digest);
    expect((await client().request('HEAD', `/v2/mount/target/blobs/${item.digest}`)).status).toBe(200);
  });

  it('mounts without from when another repository holds the blob', async () => {
    const item = randomBlob(1300);
    await client().pushBlob('mount/elsewhere', item);
    const response = await client().request('POST', `/v2/mount/anywhere/blobs/uploads/?mount=${item.digest}`);
    expect(response.status).toBe(201);
    expect((await client().request('HEAD', `/v2/mount/anywhere/blobs/${item.digest}`)).status).toBe(200);
  });

  it('falls back to an upload session with 202 when the blob is not in the source', async () => {
    const item = randomBlob(100);
    await client().pushBlob('mount/empty-source', randomBlob(5));
    const response = await client().request('POST', `/v2/mount/fallback/blobs/uploads/?mount=${item.digest}&from=mount/empty-source`);
    expect(response.status).toBe(202);
    // The session continues on the upload gateway, like any other.
    const location = new URL(response.headers.get('location')!);
    expect(location.origin).toBe(registry().gatewayUrl);
    expect(location.pathname).toMatch(/^\/v2\/mount\/fallback\/blobs\/uploads\/[\w-]+$/);
  });
});
