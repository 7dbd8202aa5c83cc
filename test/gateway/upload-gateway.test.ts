import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { UploadStateTokens } from '../../lambdas/auth/upload-state.js';
import type { TokenKeySet } from '../../lambdas/auth/token-keys.js';
import { MAX_REQUEST_BODY_BYTES } from '../../lambdas/shared/limits.js';
import { errorCodes, errorList, RegistryClient } from '../support/client.js';
import { objectTags } from '../support/backends.js';
import { sha256 } from '../support/oci.js';
import { basicAuth, clientOf, useRegistry } from '../support/registry.js';

const KEYS: TokenKeySet = { current: { kid: randomUUID(), secret: randomBytes(32) }, previous: [] };
const registry = useRegistry({}, { tokenKeys: async () => KEYS });
const client = () => clientOf(registry());
/** The gateway takes no registry credentials: only the Location's state token. */
const anonymous = () => new RegistryClient(registry().url);

function withDigest(url: string, digest: string): string {
  const target = new URL(url);
  target.searchParams.set('digest', digest);
  return target.toString();
}

function sessionId(url: string): string {
  return new URL(url).pathname.split('/').pop()!;
}

/** A state token as the registry would sign one, with what a test chooses. */
function stateToken(url: string, change: { repository?: string; actions?: string[]; expiresAt?: Date } = {}): Promise<string> {
  const path = new URL(url).pathname.split('/');
  const repository = path.slice(2, -3).join('/');
  const host = new URL(registry().url).host;
  return new UploadStateTokens(async () => KEYS, host, () => new Date()).issue({
    repository: change.repository ?? repository,
    uploadId: sessionId(url),
    principalArn: 'arn:aws:iam::000000000000:root',
    actions: change.actions ?? ['ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'],
    expiresAt: change.expiresAt ?? new Date(Date.now() + 3600_000),
  });
}

function withState(url: string, token: string | undefined): string {
  const target = new URL(url);
  if (token === undefined) target.searchParams.delete('_state');
  else target.searchParams.set('_state', token);
  return target.toString();
}

async function download(repository: string, digest: string, from = client()): Promise<Buffer> {
  const redirect = await from.request('GET', `/v2/${repository}/blobs/${digest}`);
  expect(redirect.status).toBe(307);
  return Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer());
}

/**
 * Sends the first `sent` bytes of a PATCH that announces `headers`, then, once `stored` says
 * the gateway has what it should keep, breaks the connection.
 */
async function dropMidway(url: string, bytes: Buffer, sent: number, headers: Record<string, string>, stored: () => Promise<boolean>, chunked = false): Promise<void> {
  const target = new URL(url);
  const length: Record<string, string> = chunked ? {} : { 'content-length': String(bytes.length) };
  const sending = httpRequest({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'PATCH', headers: { ...length, ...headers } });
  const broken = new Promise<void>((resolve) => sending.on('error', () => resolve()));
  sending.write(bytes.subarray(0, sent));
  await waitFor(stored);
  sending.destroy();
  await broken;
}

const rangeEnd = async (url: string) => Number((await anonymous().fetch(url)).headers.get('range')!.split('-')[1]);

/** Resumes from the Range the session reports; until the dropped request lets the session go, a resume is told to wait. */
async function resume(url: string, bytes: Buffer, withRange: boolean): Promise<number> {
  let resumeAt = 0;
  await waitFor(async () => {
    resumeAt = Number((await anonymous().fetch(url)).headers.get('range')!.split('-')[1]);
    if (resumeAt > 0) resumeAt += 1;
    const headers: Record<string, string> = withRange ? { 'content-range': `${resumeAt}-${bytes.length - 1}` } : {};
    const resumed = await anonymous().fetch(url, { method: 'PATCH', body: bytes.subarray(resumeAt), headers });
    if (resumed.status === 416 && (await resumed.text()).includes('another request')) return false;
    expect(resumed.status).toBe(202);
    return true;
  });
  return resumeAt;
}

describe('the upload gateway', () => {
  it('continues a session started on the API, past the API request limit, with no registry credentials', async () => {
    const bytes = randomBytes(MAX_REQUEST_BODY_BYTES * 3);
    const started = await client().request('POST', '/v2/gateway/large/blobs/uploads/');
    expect(started.status).toBe(202);
    const location = started.headers.get('location')!;
    expect(location.startsWith(`${registry().gatewayUrl}/v2/gateway/large/blobs/uploads/`)).toBe(true);
    expect(new URL(location).searchParams.get('_state')).toBeTruthy();

    const patched = await anonymous().fetch(location, { method: 'PATCH', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(patched.status).toBe(202);
    expect(patched.headers.get('range')).toBe(`0-${bytes.length - 1}`);
    expect(patched.headers.get('location')).toBe(location);

    const done = await anonymous().fetch(withDigest(patched.headers.get('location')!, sha256(bytes)), { method: 'PUT' });
    expect(done.status).toBe(201);
    expect(done.headers.get('docker-content-digest')).toBe(sha256(bytes));
    // The blob is on the registry at once, where docker looks right after the PUT.
    expect(done.headers.get('location')).toBe(`${registry().url}/v2/gateway/large/blobs/${sha256(bytes)}`);
    expect((await client().request('HEAD', `/v2/gateway/large/blobs/${sha256(bytes)}`)).headers.get('content-length')).toBe(String(bytes.length));
    expect(sha256(await download('gateway/large', sha256(bytes)))).toBe(sha256(bytes));
  });

  it('takes a whole blob in one PUT, as containerd sends it, with extra query parameters', async () => {
    const bytes = randomBytes(6 * 1024 * 1024);
    const url = await client().startUpload('gateway/monolithic');
    const target = new URL(withDigest(url, sha256(bytes)));
    target.searchParams.set('ns', new URL(registry().url).host);
    const done = await anonymous().fetch(target.toString(), { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(done.status).toBe(201);
    expect(sha256(await download('gateway/monolithic', sha256(bytes)))).toBe(sha256(bytes));
  });

  it('ignores the registry credentials some clients send along', async () => {
    const bytes = randomBytes(1000);
    const url = await client().startUpload('gateway/credentials');
    const done = await client().fetch(withDigest(url, sha256(bytes)), { method: 'PUT', body: bytes });
    expect(done.status).toBe(201);
  });

  describe('refuses, in OCI error JSON, and keeps the session intact', () => {
    async function refused(url: string, method = 'PATCH'): Promise<void> {
      const response = await anonymous().fetch(url, { method, body: method === 'GET' ? undefined : randomBytes(100) });
      expect(response.status).toBe(403);
      expect(await errorCodes(response)).toEqual(['DENIED']);
    }

    it('a Location without its state token', async () => {
      const url = await client().startUpload('gateway/no-state');
      await refused(withState(url, undefined));
      expect((await client().request('GET', new URL(url).pathname)).headers.get('range')).toBe('0-0');
    });

    it('a tampered state token', async () => {
      const url = await client().startUpload('gateway/tampered');
      const token = new URL(url).searchParams.get('_state')!;
      const [header, payload, signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claims, repo: 'gateway/other' })).toString('base64url');
      await refused(withState(url, `${header}.${forged}.${signature}`));
      await refused(withState(url, `${token.slice(0, -4)}AAAA`));
    });

    it('an expired state token', async () => {
      const url = await client().startUpload('gateway/expired');
      await refused(withState(url, await stateToken(url, { expiresAt: new Date(Date.now() - 60_000) })));
    });

    it('a state token of another repository or another upload', async () => {
      const mine = await client().startUpload('gateway/mine');
      const theirs = await client().startUpload('gateway/theirs');
      await refused(withState(theirs, new URL(mine).searchParams.get('_state')!));
      const second = await client().startUpload('gateway/mine');
      await refused(withState(second, new URL(mine).searchParams.get('_state')!), 'GET');
    });

    it('a registry token in place of a state token, and a state token in place of a registry token', async () => {
      const url = await client().startUpload('gateway/swapped');
      const password = Buffer.from((await basicAuth(registry())).slice('Basic '.length), 'base64').toString().slice('AWS:'.length);
      await refused(withState(url, password));
      const state = new URL(url).searchParams.get('_state')!;
      const asPassword = new RegistryClient(registry().url, async () => `Basic ${Buffer.from(`AWS:${state}`).toString('base64')}`);
      expect((await asPassword.request('GET', '/v2/gateway/swapped/tags/list')).status).toBe(401);
    });

    it('a completion the caller was not allowed when the upload started', async () => {
      const bytes = randomBytes(100);
      const url = await client().startUpload('gateway/part-only');
      const partOnly = withState(url, await stateToken(url, { actions: ['ecr:UploadLayerPart'] }));
      expect((await anonymous().fetch(partOnly, { method: 'PATCH', body: bytes })).status).toBe(202);
      const done = await anonymous().fetch(withDigest(partOnly, sha256(bytes)), { method: 'PUT' });
      expect(done.status).toBe(403);
      expect((await errorList(done))[0]!.message).toContain('ecr:CompleteLayerUpload');
    });

    it('anything but an upload session', async () => {
      const response = await anonymous().fetch(`${registry().gatewayUrl}/v2/gateway/any/manifests/latest`);
      expect(response.status).toBe(404);
      expect(await errorCodes(response)).toEqual(['NOT_FOUND']);
      expect((await anonymous().fetch(`${registry().gatewayUrl}/healthz`)).status).toBe(200);
    });
  });

  it('resumes a chunked upload from the Range it reports after a connection dropped midway', async () => {
    const bytes = randomBytes(13 * 1024 * 1024);
    const url = await client().startUpload('gateway/dropped-chunk');
    // Broken once both 5 MiB parts of the 11 MiB sent are saved in the session.
    await dropMidway(url, bytes, 11 * 1024 * 1024, { 'content-range': `0-${bytes.length - 1}` }, async () => (await rangeEnd(url)) + 1 >= 10 * 1024 * 1024);
    // Whole parts survive the drop; the bytes after the last part were never stored.
    expect(await resume(url, bytes, true)).toBe(10 * 1024 * 1024);
    expect((await anonymous().fetch(withDigest(url, sha256(bytes)), { method: 'PUT' })).status).toBe(201);
    expect(sha256(await download('gateway/dropped-chunk', sha256(bytes)))).toBe(sha256(bytes));
  });

  it('answers 416 to a chunk sent without Content-Length whose bytes miss its Content-Range, keeping what arrived', async () => {
    const url = await client().startUpload('gateway/range-miss');
    const target = new URL(url);
    // Chunked transfer encoding: the length is known only once the body has arrived.
    const response = await new Promise<{ status: number; range: string | undefined }>((resolve, reject) => {
      const sending = httpRequest({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'PATCH', headers: { 'content-range': '0-99' } }, (answer) => {
        answer.resume();
        resolve({ status: answer.statusCode!, range: answer.headers.range as string | undefined });
      });
      sending.on('error', reject);
      // Written before the end, so that Node sends it chunked rather than with a Content-Length of its own.
      sending.write(randomBytes(150));
      sending.end();
    });
    expect(response).toEqual({ status: 416, range: '0-149' });
    expect((await anonymous().fetch(url)).headers.get('range')).toBe('0-149');
  });

  it('takes a second streamed PATCH after a first one, reading the first back once', async () => {
    const bytes = randomBytes(14 * 1024 * 1024);
    const url = await client().startUpload('gateway/two-streams');
    expect((await anonymous().fetch(url, { method: 'PATCH', body: bytes.subarray(0, 9 * 1024 * 1024) })).status).toBe(202);
    const second = await anonymous().fetch(url, { method: 'PATCH', body: bytes.subarray(9 * 1024 * 1024) });
    expect(second.status).toBe(202);
    expect(second.headers.get('range')).toBe(`0-${bytes.length - 1}`);
    expect((await anonymous().fetch(withDigest(url, sha256(bytes)), { method: 'PUT' })).status).toBe(201);
    expect(sha256(await download('gateway/two-streams', sha256(bytes)))).toBe(sha256(bytes));
  });

});

/**
 * A streamed layer: one PATCH without Content-Range, as docker, containerd, skopeo and podman send
 * a layer, with a Content-Length or in chunked transfer encoding (skopeo's way), which gives the
 * gateway no length ahead: that one goes to S3 in parts, and in local mode to a spooled file.
 */
const spooledRegistry = useRegistry({}, { tokenKeys: async () => KEYS, s3SpoolDirectory: inject('s3SpoolDirectory') });

describe.each([
  { sent: 'with a Content-Length', chunked: false, stored: 'through S3\'s API, as on AWS', spooled: false },
  { sent: 'in chunked transfer encoding', chunked: true, stored: 'through S3\'s API, as on AWS', spooled: false },
  { sent: 'with a Content-Length', chunked: false, stored: 'through local mode\'s spool', spooled: true },
  { sent: 'in chunked transfer encoding', chunked: true, stored: 'through local mode\'s spool', spooled: true },
])('a streamed layer sent $sent, stored $stored', ({ chunked, spooled }) => {
  const target = spooled ? spooledRegistry : registry;
  const owner = () => clientOf(target());
  const name = (what: string) => `gateway/${what}-${chunked ? 'chunked' : 'length'}${spooled ? '-spooled' : ''}`;
  // Whatever a request ends in, the spool keeps nothing of it. Test files running beside this one
  // may be passing uploads through the same spool, so it has only to be empty at some moment.
  afterEach(async () => {
    await waitFor(async () => readdirSync(inject('s3SpoolDirectory')).length === 0, 300);
  });

  /** PATCHes `bytes` in one request, written in pieces so that, without a Content-Length, Node sends them chunked. */
  function patch(url: string, bytes: Buffer): Promise<{ status: number; range: string | undefined }> {
    const target = new URL(url);
    const length: Record<string, string> = chunked ? {} : { 'content-length': String(bytes.length) };
    return new Promise((resolve, reject) => {
      const sending = httpRequest({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'PATCH', headers: length }, (answer) => {
        answer.resume();
        resolve({ status: answer.statusCode!, range: answer.headers.range as string | undefined });
      });
      sending.on('error', reject);
      for (let offset = 0; offset < bytes.length; offset += 1024 * 1024) sending.write(bytes.subarray(offset, offset + 1024 * 1024));
      sending.end();
    });
  }

  it.each([
    { size: 13 * 1024 * 1024, what: 'larger than a part' },
    { size: 1024 * 1024 + 17, what: 'smaller than a part' },
  ])('is stored marked pending until its upload completes, so an abandoned one expires: $what', async ({ size }) => {
    const bytes = randomBytes(size);
    const repository = name(`pending-${size}`);
    const url = await owner().startUpload(repository);
    expect(await patch(url, bytes)).toEqual({ status: 202, range: `0-${size - 1}` });
    expect((await anonymous().fetch(url)).headers.get('range')).toBe(`0-${size - 1}`);
    const objectKey = `blobs/uploads/${sessionId(url)}`;
    expect(await objectTags(target().bucket, objectKey)).toEqual({ 'berth-upload': 'pending' });
    expect((await anonymous().fetch(withDigest(url, sha256(bytes)), { method: 'PUT' })).status).toBe(201);
    expect(await objectTags(target().bucket, objectKey)).toEqual({});
    expect(sha256(await download(repository, sha256(bytes), owner()))).toBe(sha256(bytes));
  });

  it('starts over from 0 after its connection dropped, storing nothing of the broken request', async () => {
    const bytes = randomBytes(13 * 1024 * 1024);
    const repository = name('dropped-stream');
    const url = await owner().startUpload(repository);
    // Broken once the gateway has had time to take in what was sent; a streamed request saves nothing midway.
    let polls = 0;
    await dropMidway(url, bytes, 11 * 1024 * 1024, {}, async () => (polls += 1) > 5, chunked);
    expect(await rangeEnd(url)).toBe(0);
    expect(await resume(url, bytes, false)).toBe(0);
    expect((await anonymous().fetch(withDigest(url, sha256(bytes)), { method: 'PUT' })).status).toBe(201);
    expect(sha256(await download(repository, sha256(bytes), owner()))).toBe(sha256(bytes));
  });

  it('is refused when its digest does not match, and nothing is kept', async () => {
    const bytes = randomBytes(12 * 1024 * 1024);
    const repository = name('stream-mismatch');
    const url = await owner().startUpload(repository);
    expect((await patch(url, bytes)).status).toBe(202);
    const wrong = sha256(randomBytes(10));
    const done = await anonymous().fetch(withDigest(url, wrong), { method: 'PUT' });
    expect(await errorCodes(done)).toEqual(['DIGEST_INVALID']);
    expect((await owner().request('HEAD', `/v2/${repository}/blobs/${sha256(bytes)}`)).status).toBe(404);
    expect(await target().blobs.head(`blobs/uploads/${sessionId(url)}`)).toBeUndefined();
  });
});

describe('an upload gateway at its limit of uploads', () => {
  const busy = useRegistry({}, { uploadGateway: { maxUploads: 1 } });

  it('answers 429 TOOMANYREQUESTS with Retry-After, and serves again once an upload ends', async () => {
    const holder = clientOf(busy());
    const first = await holder.startUpload('gateway/busy');
    const target = new URL(first);
    let finish!: () => void;
    const inFlight = new Promise<number>((resolve, reject) => {
      const sending = httpRequest({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'PATCH', headers: { 'content-length': '2000' } }, (response) => resolve(response.statusCode!));
      sending.on('error', reject);
      sending.write(randomBytes(1000));
      finish = () => sending.end(randomBytes(1000));
    });
    // The first upload holds the only place while its body is still arriving.
    await waitFor(async () => (await holder.fetch(first)).headers.get('range') === '0-0');
    const second = await holder.startUpload('gateway/busy');
    let refused: Response | undefined;
    await waitFor(async () => {
      refused = await new RegistryClient(busy().url).fetch(second, { method: 'PATCH', body: randomBytes(10) });
      return refused.status === 429;
    });
    expect(await errorCodes(refused!)).toEqual(['TOOMANYREQUESTS']);
    expect(refused!.headers.get('retry-after')).toBe('1');

    finish();
    expect(await inFlight).toBe(202);
    expect((await new RegistryClient(busy().url).fetch(second, { method: 'PATCH', body: randomBytes(10) })).status).toBe(202);
  });
});

async function waitFor(condition: () => Promise<boolean>, attempts = 100): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition not met');
}
