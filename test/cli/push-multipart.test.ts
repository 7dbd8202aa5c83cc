import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BERTH_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { clientEnv, freshHome, runBerthBundle, useBerthBins } from '../support/berth-bins.js';
import { blob, descriptor, sha256 } from '../support/oci.js';
import { writeOciLayout } from '../support/oci-layout.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { errorType, send, signedManagementRequest } from '../support/signed.js';

/**
 * The multipart branch of direct uploads, end to end against s3rver: this
 * registry sends blobs above 6 MiB in parts of 5 MiB (S3's smallest), as it
 * sends blobs above 5 GiB on AWS in parts of 64 MiB or more.
 */

const MiB = 1024 * 1024;
const registry = useRegistry({ directUploadSizes: { singlePutMaxBytes: 6 * MiB, minPartBytes: 5 * MiB } });
const bins = useBerthBins();
const host = () => new URL(registry().url).host;

async function berthAction(action: string, body: unknown): Promise<Response> {
  return send(await signedManagementRequest(registry(), `${BERTH_TARGET_PREFIX}${action}`, body));
}

function layoutWith(layerBytes: Buffer, name: string): { dir: string; layerDigest: string; manifestDigest: string } {
  const layer = blob(layerBytes, 'application/vnd.oci.image.layer.v1.tar');
  const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] }, config: {} }), 'application/vnd.oci.image.config.v1+json');
  const manifest = blob(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: descriptor(config), layers: [descriptor(layer)],
  }), 'application/vnd.oci.image.manifest.v1+json');
  const dir = join(freshHome(bins(), name), 'oci');
  writeOciLayout(dir, [{ name: 'v1', manifest }], [config, layer]);
  return { dir, layerDigest: layer.digest, manifestDigest: manifest.digest };
}

function push(dir: string, target: string) {
  const env = clientEnv(bins(), freshHome(bins()), { credentials: registry().adminKey });
  return runBerthBundle(bins(), ['push', `oci:${dir}:v1`, target], env);
}

describe('direct uploads in parts', () => {
  it('plans a blob above the single-PUT size as parts', async () => {
    const response = await berthAction('InitiateBlobUpload', { repositoryName: 'parts/plan', digest: blob(randomBytes(10)).digest, size: 13 * MiB });
    const plan = (await response.json()) as { partSize: number; parts: { partNumber: number }[] };
    expect(plan.partSize).toBe(5 * MiB);
    expect(plan.parts.map((part) => part.partNumber)).toEqual([1, 2, 3]);
  });

  it('berth push sends a 13 MiB layer in parts; the registry confirms its digest and serves it', async () => {
    const bytes = randomBytes(13 * MiB);
    const image = layoutWith(bytes, 'large');
    const result = await push(image.dir, `${host()}/parts/app:v1`);
    expect(result.code, result.stderr).toBe(0);
    const client = clientOf(registry());
    const redirect = await client.request('GET', `/v2/parts/app/blobs/${image.layerDigest}`);
    expect(redirect.status).toBe(307);
    expect(sha256(Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer()))).toBe(image.layerDigest);
    expect((await client.request('HEAD', '/v2/parts/app/manifests/v1')).headers.get('docker-content-digest')).toBe(image.manifestDigest);
  });

  it('berth push refuses a corrupt layer it sends in parts, and nothing becomes visible', async () => {
    const image = layoutWith(randomBytes(13 * MiB), 'corrupt');
    writeFileSync(join(image.dir, 'blobs', 'sha256', image.layerDigest.slice(7)), randomBytes(13 * MiB));
    const result = await push(image.dir, `${host()}/parts/corrupt:v1`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`berth: DigestMismatch: blob ${image.layerDigest} is corrupt`);
    const client = clientOf(registry());
    expect((await client.request('HEAD', `/v2/parts/corrupt/blobs/${image.layerDigest}`)).status).toBe(404);
    expect((await client.request('HEAD', '/v2/parts/corrupt/manifests/v1')).status).toBe(404);
  });

  it('completes parts whose bytes miss the digest with InvalidLayerException, reading the object, and keeps nothing', async () => {
    const item = blob(randomBytes(11 * MiB));
    const started = await berthAction('InitiateBlobUpload', { repositoryName: 'parts/raw', digest: item.digest, size: item.bytes.length });
    const plan = (await started.json()) as { uploadId: string; partSize: number; parts: { partNumber: number; url: string }[] };
    const wrong = randomBytes(item.bytes.length);
    const parts = [];
    for (const part of plan.parts) {
      const start = (part.partNumber - 1) * plan.partSize;
      const uploaded = await fetch(part.url, { method: 'PUT', body: wrong.subarray(start, start + plan.partSize) });
      expect(uploaded.status).toBe(200);
      parts.push({ partNumber: part.partNumber, eTag: uploaded.headers.get('etag')! });
    }
    const done = await berthAction('CompleteBlobUpload', { repositoryName: 'parts/raw', uploadId: plan.uploadId, parts });
    expect(await errorType(done)).toBe('InvalidLayerException');
    expect((await clientOf(registry()).request('HEAD', `/v2/parts/raw/blobs/${item.digest}`)).status).toBe(404);
    expect(await registry().store.getBlob(item.digest)).toBeUndefined();
  });
});

describe('completing direct uploads in parts', () => {
  async function uploadParts(item: { bytes: Buffer; digest: string }, repositoryName: string) {
    const started = await berthAction('InitiateBlobUpload', { repositoryName, digest: item.digest, size: item.bytes.length });
    const plan = (await started.json()) as { uploadId: string; partSize: number; parts: { partNumber: number; url: string }[] };
    const parts = [];
    for (const part of plan.parts) {
      const start = (part.partNumber - 1) * plan.partSize;
      const uploaded = await fetch(part.url, { method: 'PUT', body: item.bytes.subarray(start, start + plan.partSize) });
      parts.push({ partNumber: part.partNumber, eTag: uploaded.headers.get('etag')! });
    }
    return { uploadId: plan.uploadId, parts };
  }

  it('answers a list of parts that does not make the upload with InvalidLayerPartException, and completes with the right list after', async () => {
    const item = blob(randomBytes(11 * MiB));
    const { uploadId, parts } = await uploadParts(item, 'parts/relist');
    const wrongTag = await berthAction('CompleteBlobUpload', { repositoryName: 'parts/relist', uploadId, parts: [parts[0], { ...parts[1], eTag: '"0123456789abcdef0123456789abcdef"' }, parts[2]] });
    expect(wrongTag.status).toBe(400);
    const body = (await wrongTag.json()) as { __type: string; message: string };
    expect(body.__type).toBe('InvalidLayerPartException');
    expect(body.message).toContain('complete it with the partNumber and eTag of each part, in order');
    expect(await errorType(await berthAction('CompleteBlobUpload', { repositoryName: 'parts/relist', uploadId, parts: [...parts].reverse() }))).toBe('InvalidLayerPartException');
    expect((await clientOf(registry()).request('HEAD', `/v2/parts/relist/blobs/${item.digest}`)).status).toBe(404);

    const done = await berthAction('CompleteBlobUpload', { repositoryName: 'parts/relist', uploadId, parts });
    expect(await done.json()).toEqual({ repositoryName: 'parts/relist', digest: item.digest, size: item.bytes.length });
    // Once completed, the upload is gone: a second completion is told so, and the blob stays.
    expect(await errorType(await berthAction('CompleteBlobUpload', { repositoryName: 'parts/relist', uploadId, parts }))).toBe('UploadNotFoundException');
    expect((await clientOf(registry()).request('HEAD', `/v2/parts/relist/blobs/${item.digest}`)).status).toBe(200);
  });
});
