import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BERTH_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { objectKeys } from '../../lambdas/store/keys.js';
import type { RunningRegistry } from '../../local/berth-server.js';
import { objectTags } from '../support/backends.js';
import { blob, sha256 } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { errorType, send, signedManagementRequest } from '../support/signed.js';

const registry = useRegistry();
/** After every upload these tests start has expired (24 hours). */
const LATER = new Date(Date.now() + 25 * 3600 * 1000);

async function berth(action: string, body: unknown, credentials = registry().adminKey, on: RunningRegistry = registry()): Promise<Response> {
  return send(await signedManagementRequest(on, `${BERTH_TARGET_PREFIX}${action}`, body, { credentials }));
}

interface Plan {
  status: 'UPLOAD' | 'EXISTS';
  uploadId?: string;
  put?: { url: string; headers: Record<string, string> };
}

async function initiate(repositoryName: string, digest: string, size: number, on: RunningRegistry = registry()): Promise<Plan> {
  const response = await berth('InitiateBlobUpload', { repositoryName, digest, size }, on.adminKey, on);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Plan;
}

/** The tags of the object a direct upload goes to, as GetObjectTagging reports them. */
function uploadTags(plan: Plan, on: RunningRegistry = registry()): Promise<Record<string, string>> {
  return objectTags(on.bucket, objectKeys.assembledBlob(plan.uploadId!));
}

async function downloaded(digest: string, repository: string, on: RunningRegistry = registry()): Promise<string> {
  return sha256(await clientOf(on).downloadBlob(repository, digest));
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
    expect(sha256(await client.downloadBlob('direct/app', item.digest))).toBe(item.digest);
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

  it('links no blob from a repository the caller may not pull from: it uploads the bytes itself', async () => {
    const item = blob(randomBytes(3000));
    const plan = await initiate('hidden/source', item.digest, item.bytes.length);
    await putTo(plan, item.bytes);
    expect((await berth('CompleteBlobUpload', { repositoryName: 'hidden/source', uploadId: plan.uploadId })).status).toBe(200);

    const arn = (name: string) => `arn:aws:ecr:${registry().identity.region}:${registry().identity.accountId}:repository/${name}`;
    const keyFor = async (principalName: string, resource: string) => {
      const created = await berth('CreateAccessKey', { principalName, policyText: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: resource }] }) });
      return ((await created.json()) as { accessKey: { accessKeyId: string; secretAccessKey: string } }).accessKey;
    };
    const initiateAs = async (key: { accessKeyId: string; secretAccessKey: string }, repositoryName: string) => {
      const response = await berth('InitiateBlobUpload', { repositoryName, digest: item.digest, size: item.bytes.length }, key);
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as Plan;
    };
    const linked = async (repository: string) => (await clientOf(registry()).request('HEAD', `/v2/${repository}/blobs/${item.digest}`)).status;

    // A key for team/* alone: the blob in hidden/source is not its to link.
    const confined = await keyFor('team-pusher', arn('team/*'));
    expect((await initiateAs(confined, 'team/app')).status).toBe('UPLOAD');
    expect(await linked('team/app')).toBe(404);

    // The same request by a key that may pull from hidden/source links it.
    const wider = await keyFor('wide-pusher', '*');
    expect((await initiateAs(wider, 'team/linked')).status).toBe('EXISTS');
    expect(await linked('team/linked')).toBe(200);
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

  it('refuses an object that storage holds no verified SHA-256 for, even with the right bytes: completing reads nothing back', async () => {
    // Only an object stored some other way than the URL's PUT, whose signed checksum S3 verifies, lacks one.
    const item = blob(randomBytes(4000));
    const plan = await initiate('direct/unchecked', item.digest, item.bytes.length);
    await registry().blobs.put(objectKeys.assembledBlob(plan.uploadId!), item.bytes);
    const done = await berth('CompleteBlobUpload', { repositoryName: 'direct/unchecked', uploadId: plan.uploadId });
    expect(done.status).toBe(400);
    const body = (await done.json()) as { __type: string; message: string };
    expect(body.__type).toBe('InvalidLayerException');
    expect(body.message).toContain('storage verified no SHA-256 for the upload');
    expect((await clientOf(registry()).request('HEAD', `/v2/direct/unchecked/blobs/${item.digest}`)).status).toBe(404);
    expect(await registry().store.getBlob(item.digest)).toBeUndefined();
    expect(await registry().blobs.head(objectKeys.assembledBlob(plan.uploadId!))).toBeUndefined();
  });

  it('refuses a size other than announced, unknown uploads and malformed digests', async () => {
    const item = blob(randomBytes(300));
    const plan = await initiate('direct/size', item.digest, 400);
    // The URL signs the announced length, so S3 refuses other bytes (SignatureDoesNotMatch);
    // an object of another size that storage holds anyway is still refused at completion.
    expect((await fetch(plan.put!.url, { method: 'PUT', body: item.bytes, headers: plan.put!.headers })).status).toBe(403);
    await registry().blobs.put(objectKeys.assembledBlob(plan.uploadId!), item.bytes);
    expect(await errorType(await berth('CompleteBlobUpload', { repositoryName: 'direct/size', uploadId: plan.uploadId }))).toBe('InvalidLayerException');
    expect(await errorType(await berth('CompleteBlobUpload', { repositoryName: 'direct/size', uploadId: plan.uploadId }))).toBe('UploadNotFoundException');
    expect(await errorType(await berth('InitiateBlobUpload', { repositoryName: 'direct/size', digest: 'sha256:nope', size: 1 }))).toBe('ValidationException');
  });

  it('marks the uploaded object pending, as the bucket\'s lifecycle rule expects, until the upload is completed', async () => {
    const item = blob(randomBytes(3000));
    const plan = await initiate('direct/pending', item.digest, item.bytes.length);
    expect(plan.put?.headers['x-amz-tagging']).toBe('berth-upload=pending');
    await putTo(plan, item.bytes);
    expect(await uploadTags(plan)).toEqual({ 'berth-upload': 'pending' });

    expect((await berth('CompleteBlobUpload', { repositoryName: 'direct/pending', uploadId: plan.uploadId })).status).toBe(200);
    expect(await uploadTags(plan)).toEqual({});
    expect(await downloaded(item.digest, 'direct/pending')).toBe(item.digest);
  });

  it('completes an upload once: concurrent completions after the first are told it is unknown', async () => {
    const item = blob(randomBytes(3000));
    const plan = await initiate('direct/twice', item.digest, item.bytes.length);
    await putTo(plan, item.bytes);
    const responses = await Promise.all([1, 2, 3].map(() => berth('CompleteBlobUpload', { repositoryName: 'direct/twice', uploadId: plan.uploadId })));
    const refused = responses.filter((response) => response.status !== 200);
    expect(refused).toHaveLength(2);
    for (const response of refused) expect(await errorType(response)).toBe('UploadNotFoundException');
    expect(await downloaded(item.digest, 'direct/twice')).toBe(item.digest);
  });

  it('sweeps an abandoned upload locally once expired, its object and record, and leaves completed blobs alone', async () => {
    const kept = blob(randomBytes(2000));
    const keptPlan = await initiate('direct/swept', kept.digest, kept.bytes.length);
    await putTo(keptPlan, kept.bytes);
    expect((await berth('CompleteBlobUpload', { repositoryName: 'direct/swept', uploadId: keptPlan.uploadId })).status).toBe(200);
    const abandoned = blob(randomBytes(2000));
    const plan = await initiate('direct/swept', abandoned.digest, abandoned.bytes.length);
    await putTo(plan, abandoned.bytes);

    await registry().sweep();
    expect(await registry().blobs.head(objectKeys.assembledBlob(plan.uploadId!))).toBe(abandoned.bytes.length);
    expect(await registry().sweep(LATER)).toBeGreaterThanOrEqual(1);
    expect(await registry().blobs.head(objectKeys.assembledBlob(plan.uploadId!))).toBeUndefined();
    expect(await errorType(await berth('CompleteBlobUpload', { repositoryName: 'direct/swept', uploadId: plan.uploadId }))).toBe('UploadNotFoundException');
    expect(await downloaded(kept.digest, 'direct/swept')).toBe(kept.digest);
  });

  it('answers a completion with nothing uploaded InvalidLayerException, though S3 answers the missing object 403', async () => {
    const item = blob(randomBytes(100));
    const plan = await initiate('direct/empty', item.digest, item.bytes.length);
    // Local S3 answers a HEAD of a missing key as S3 answers a role without s3:ListBucket.
    expect((await fetch(plan.put!.url.split('?')[0]!, { method: 'HEAD' })).status).toBe(403);
    const done = await berth('CompleteBlobUpload', { repositoryName: 'direct/empty', uploadId: plan.uploadId });
    expect(done.status).toBe(400);
    const body = (await done.json()) as { __type: string; message: string };
    expect(body.__type).toBe('InvalidLayerException');
    expect(body.message).toContain('nothing was uploaded');
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

describe('a direct-upload URL sent again', () => {
  /** A PUT of the plan's URL as its holder may send it again: the same bytes, with or without the headers it signs. */
  function replay(plan: Plan, bytes: Buffer, headers = plan.put!.headers): Promise<Response> {
    return fetch(plan.put!.url, { method: 'PUT', body: bytes, headers });
  }

  async function uploaded(repository: string, bytes: Buffer): Promise<{ plan: Plan; digest: string }> {
    const item = blob(bytes);
    const plan = await initiate(repository, item.digest, bytes.length);
    await putTo(plan, bytes);
    return { plan, digest: item.digest };
  }

  it('is signed to create only: the plan asks for If-None-Match: *', async () => {
    const item = blob(randomBytes(100));
    const plan = await initiate('replay/signed', item.digest, item.bytes.length);
    expect(plan.put!.headers['if-none-match']).toBe('*');
    expect(new URL(plan.put!.url).searchParams.get('X-Amz-SignedHeaders')?.split(';')).toContain('if-none-match');
  });

  it('after completion is refused, and the verified blob stays served, unchanged and unmarked', async () => {
    const bytes = randomBytes(3000);
    const { plan, digest } = await uploaded('replay/after', bytes);
    expect((await berth('CompleteBlobUpload', { repositoryName: 'replay/after', uploadId: plan.uploadId })).status).toBe(200);

    const refused = await replay(plan, bytes);
    expect(refused.status).toBe(412);
    expect(await refused.text()).toContain('<Code>PreconditionFailed</Code>');
    // Without the condition the signature no longer matches.
    const { 'if-none-match': _, ...unconditional } = plan.put!.headers;
    expect((await replay(plan, bytes, unconditional)).status).toBe(403);

    expect(await uploadTags(plan)).toEqual({});
    expect(await downloaded(digest, 'replay/after')).toBe(digest);
  });

  it('before completion is refused too, and the upload completes as it would have', async () => {
    const bytes = randomBytes(3000);
    const { plan, digest } = await uploaded('replay/before', bytes);
    expect((await replay(plan, bytes)).status).toBe(412);
    expect((await berth('CompleteBlobUpload', { repositoryName: 'replay/before', uploadId: plan.uploadId })).status).toBe(200);
    expect(await uploadTags(plan)).toEqual({});
    expect(await downloaded(digest, 'replay/before')).toBe(digest);
  });

  it('while the upload completes is refused, whichever comes first', async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const { plan, digest } = await uploaded('replay/during', bytes);
    const [completed, ...replays] = await Promise.all([
      berth('CompleteBlobUpload', { repositoryName: 'replay/during', uploadId: plan.uploadId }),
      ...[1, 2, 3].map(() => replay(plan, bytes)),
    ]);
    expect(completed!.status).toBe(200);
    expect(replays.map((response) => response.status)).toEqual([412, 412, 412]);
    expect(await uploadTags(plan)).toEqual({});
    expect(await downloaded(digest, 'replay/during')).toBe(digest);
  });

  it('cannot take over a layer another repository shares: the stored copy stays', async () => {
    const bytes = randomBytes(2000);
    const { plan, digest } = await uploaded('replay/owner', bytes);
    expect((await berth('CompleteBlobUpload', { repositoryName: 'replay/owner', uploadId: plan.uploadId })).status).toBe(200);
    expect((await initiate('replay/sharer', digest, bytes.length)).status).toBe('EXISTS');
    expect((await replay(plan, bytes)).status).toBe(412);
    // What the bucket's lifecycle rule would find: no object marked pending.
    expect(await uploadTags(plan)).toEqual({});
    expect(await downloaded(digest, 'replay/sharer')).toBe(digest);
  });
});

describe('direct uploads above one PUT', () => {
  const GiB = 1024 ** 3;

  it('plans one PUT up to 5 GiB, S3\'s limit for one', async () => {
    const plan = await initiate('direct/largest', blob(randomBytes(10)).digest, 5 * GiB);
    expect(plan.status).toBe('UPLOAD');
    expect(plan.put?.url).toBeTruthy();
  });

  it('refuses a larger blob with LimitExceededException, naming the upload API to use instead', async () => {
    const refused = await berth('InitiateBlobUpload', { repositoryName: 'direct/huge', digest: blob(randomBytes(10)).digest, size: 5 * GiB + 1 });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { __type: string; message: string };
    expect(body.__type).toBe('LimitExceededException');
    expect(body.message).toContain('up to 5368709120 bytes');
    expect(body.message).toContain('POST /v2/direct/huge/blobs/uploads/');
  });

  describe('on a registry whose single PUT takes 1000 bytes', () => {
    const small = useRegistry({ directUploadSizes: { singlePutMaxBytes: 1000 } });

    it('answers EXISTS for a larger blob the repository has, and refuses one it lacks', async () => {
      const held = blob(randomBytes(2000));
      expect((await clientOf(small()).pushBlob('limited/app', held)).status).toBe(201);
      expect((await initiate('limited/app', held.digest, held.bytes.length, small())).status).toBe('EXISTS');
      const other = blob(randomBytes(2000));
      expect(await errorType(await berth('InitiateBlobUpload', { repositoryName: 'limited/app', digest: other.digest, size: 2000 }, small().adminKey, small()))).toBe('LimitExceededException');
    });
  });
});
