import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BERTH_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { blob, sha256 } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { errorType, send, signedManagementRequest } from '../support/signed.js';

const registry = useRegistry();

async function berth(action: string, body: unknown, credentials = registry().adminKey): Promise<Response> {
  return send(await signedManagementRequest(registry(), `${BERTH_TARGET_PREFIX}${action}`, body, { credentials }));
}

interface Plan { status: 'UPLOAD' | 'EXISTS'; uploadId?: string; put?: { url: string; headers: Record<string, string> } }

async function initiate(repositoryName: string, digest: string, size: number): Promise<Plan> {
  const response = await berth('InitiateBlobUpload', { repositoryName, digest, size });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Plan;
}

async function putTo(plan: Plan, bytes: Buffer): Promise<void> {
  const response = await fetch(plan.put!.url, { method: 'PUT', body: bytes, headers: plan.put!.headers });
  expect(response.status).toBe(200);
}

describe('direct uploads to S3', () => {
  it('uploads a blob through a presigned PUT, visible once completed and verified', async () => {
    const item = blob(randomBytes(1024 * 1024));
    const plan = await initiate('direct/app', item.digest, item.bytes.length);
    expect(plan.status).toBe('UPLOAD');
    expect(plan.put?.headers['x-amz-checksum-sha256']).toBe(Buffer.from(item.digest.slice(7), 'hex').toString('base64'));
    await putTo(plan, item.bytes);
    const client = clientOf(registry());
    expect((await client.request('HEAD', `/v2/direct/app/blobs/${item.digest}`)).status).toBe(404);

    const done = await berth('CompleteBlobUpload', { repositoryName: 'direct/app', uploadId: plan.uploadId });
    expect(await done.json()).toEqual({ repositoryName: 'direct/app', digest: item.digest, size: item.bytes.length });
    const redirect = await client.request('GET', `/v2/direct/app/blobs/${item.digest}`);
    expect(sha256(Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer()))).toBe(item.digest);
  });

  it('skips blobs the repository has, and links blobs that another readable repository has', async () => {
    const item = blob(randomBytes(2000));
    const plan = await initiate('direct/first', item.digest, item.bytes.length);
    await putTo(plan, item.bytes);
    await berth('CompleteBlobUpload', { repositoryName: 'direct/first', uploadId: plan.uploadId });
    expect((await initiate('direct/first', item.digest, item.bytes.length)).status).toBe('EXISTS');
    expect((await initiate('direct/second', item.digest, item.bytes.length)).status).toBe('EXISTS');
    expect((await clientOf(registry()).request('HEAD', `/v2/direct/second/blobs/${item.digest}`)).status).toBe(200);
  });

  it('rejects a corrupted upload at the PUT, as S3 checks the signed SHA-256, and makes nothing visible', async () => {
    const item = blob(randomBytes(5000));
    const plan = await initiate('direct/corrupt', item.digest, item.bytes.length);
    const refused = await fetch(plan.put!.url, { method: 'PUT', body: randomBytes(5000), headers: plan.put!.headers });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('BadDigest');
    const done = await berth('CompleteBlobUpload', { repositoryName: 'direct/corrupt', uploadId: plan.uploadId });
    expect(await errorType(done)).toBe('InvalidLayerException');
    expect((await clientOf(registry()).request('HEAD', `/v2/direct/corrupt/blobs/${item.digest}`)).status).toBe(404);
    expect(await registry().store.getBlob(item.digest)).toBeUndefined();
  });

  it('reads an object that has no stored checksum to confirm its digest', async () => {
    // As after a multipart upload, whose checksum is no SHA-256 of the whole: here, a PUT without the header.
    const good = blob(randomBytes(4000));
    const goodPlan = await initiate('direct/unchecked', good.digest, good.bytes.length);
    expect((await fetch(goodPlan.put!.url, { method: 'PUT', body: good.bytes })).status).toBe(200);
    const accepted = await berth('CompleteBlobUpload', { repositoryName: 'direct/unchecked', uploadId: goodPlan.uploadId });
    expect(await accepted.json()).toEqual({ repositoryName: 'direct/unchecked', digest: good.digest, size: good.bytes.length });

    const bad = blob(randomBytes(4000));
    const badPlan = await initiate('direct/unchecked', bad.digest, bad.bytes.length);
    expect((await fetch(badPlan.put!.url, { method: 'PUT', body: randomBytes(4000) })).status).toBe(200);
    const done = await berth('CompleteBlobUpload', { repositoryName: 'direct/unchecked', uploadId: badPlan.uploadId });
    expect(done.status).toBe(400);
    const body = (await done.json()) as { __type: string; message: string };
    expect(body.__type).toBe('InvalidLayerException');
    expect(body.message).toContain('nothing was stored');
    expect((await clientOf(registry()).request('HEAD', `/v2/direct/unchecked/blobs/${bad.digest}`)).status).toBe(404);
    expect(await registry().store.getBlob(bad.digest)).toBeUndefined();
  });

  it('refuses a size other than announced, unknown uploads and malformed digests', async () => {
    const item = blob(randomBytes(300));
    const plan = await initiate('direct/size', item.digest, 400);
    await putTo(plan, item.bytes);
    expect(await errorType(await berth('CompleteBlobUpload', { repositoryName: 'direct/size', uploadId: plan.uploadId }))).toBe('InvalidLayerException');
    expect(await errorType(await berth('CompleteBlobUpload', { repositoryName: 'direct/size', uploadId: plan.uploadId }))).toBe('UploadNotFoundException');
    expect(await errorType(await berth('InitiateBlobUpload', { repositoryName: 'direct/size', digest: 'sha256:nope', size: 1 }))).toBe('ValidationException');
  });

  it('needs push permission, like a push through /v2/', async () => {
    const policyText = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: '*' }] });
    const created = await berth('CreateAccessKey', { principalName: 'reader', policyText });
    const { accessKey } = (await created.json()) as { accessKey: { accessKeyId: string; secretAccessKey: string } };
    const refused = await berth('InitiateBlobUpload', { repositoryName: 'direct/app', digest: blob('x').digest, size: 1 }, accessKey);
    expect(refused.status).toBe(403);
    expect(await errorType(refused)).toBe('AccessDeniedException');
  });
});
