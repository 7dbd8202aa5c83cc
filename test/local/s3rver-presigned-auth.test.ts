import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { sdkS3Client, useLocalS3 } from '../support/local-s3.js';
import { randomBlob } from '../support/oci.js';
import { basicAuth, clientOf, useRegistry } from '../support/registry.js';

/**
 * Local S3 verifies presigned (query) SigV4 signatures as S3 does, and lets a registry credential
 * that a client copied onto a same-host redirect ride along with a presigned URL.
 */

const run = promisify(execFile);
const Bucket = 'presigned-auth';
const local = useLocalS3(Bucket);
const registry = useRegistry();
const BASIC = `Basic ${Buffer.from('AWS:registry-token').toString('base64')}`;

async function stored(Key: string): Promise<Buffer> {
  const bytes = randomBytes(300);
  await fetch(local().url(Key), { method: 'PUT', body: bytes });
  return bytes;
}

function presignedGet(Key: string): Promise<string> {
  return getSignedUrl(local().client, new GetObjectCommand({ Bucket, Key }), { expiresIn: 60 });
}

/** The URL with one query parameter set to another value. */
function withParam(url: string, name: string, value: string): string {
  const changed = new URL(url);
  changed.searchParams.set(name, value);
  return changed.toString();
}

async function s3ErrorCode(response: Response): Promise<string | undefined> {
  return /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1];
}

describe('a blob GET through a client that copies Authorization onto the redirect', () => {
  it('downloads the blob: curl --location-trusted sends the Basic header to the registry and to local S3', async () => {
    const item = randomBlob(70_000);
    await clientOf(registry()).pushBlob('copied/auth', item);
    const [user, password] = Buffer.from((await basicAuth(registry())).slice('Basic '.length), 'base64').toString('utf8').split(':');
    const directory = mkdtempSync(join(tmpdir(), 'berth-curl-'));
    try {
      const output = join(directory, 'blob');
      const { stdout, stderr } = await run('curl', [
        '--silent', '--show-error', '--verbose', '--location-trusted', '--user', `${user}:${password}`,
        '--output', output, '--write-out', '%{http_code} %{num_redirects}',
        `${registry().url}/v2/copied/auth/blobs/${item.digest}`,
      ]);
      expect(stdout).toBe('200 1');
      // Both requests carried the registry's credentials: the redirect did not shed them.
      expect(stderr.match(/^> Authorization: Basic /gim)).toHaveLength(2);
      expect(createHash('sha256').update(readFileSync(output)).digest('hex')).toBe(item.digest.slice('sha256:'.length));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe("local S3's check of presigned requests", () => {
  it('serves a presigned GET that carries a Basic or Bearer Authorization beside it', async () => {
    const bytes = await stored('beside');
    const url = await presignedGet('beside');
    for (const authorization of [BASIC, 'Bearer some.registry.token']) {
      const response = await fetch(url, { headers: { authorization } });
      expect(response.status, authorization).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  it('refuses a presigned GET whose signature was altered, with or without a Basic header', async () => {
    await stored('altered');
    const url = await presignedGet('altered');
    const signature = new URL(url).searchParams.get('X-Amz-Signature')!;
    const altered = withParam(url, 'X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    for (const headers of [{}, { authorization: BASIC }] as Record<string, string>[]) {
      const response = await fetch(altered, { headers });
      expect(response.status).toBe(403);
      expect(await s3ErrorCode(response)).toBe('SignatureDoesNotMatch');
    }
  });

  it('refuses a presigned URL moved to another key or given a longer life', async () => {
    await stored('signed-for');
    await stored('other');
    const url = await presignedGet('signed-for');
    const moved = new URL(url);
    moved.pathname = moved.pathname.replace(/signed-for$/, 'other');
    const longer = withParam(url, 'X-Amz-Expires', '3600');
    for (const target of [moved.toString(), longer]) {
      const response = await fetch(target, { headers: { authorization: BASIC } });
      expect(response.status, target).toBe(403);
      expect(await s3ErrorCode(response)).toBe('SignatureDoesNotMatch');
    }
  });

  it('refuses a URL presigned with another secret for the same key id', async () => {
    await stored('forged');
    const forger = sdkS3Client(local().endpoint, { accessKeyId: 'S3RVER', secretAccessKey: 'not-the-secret' });
    const url = await getSignedUrl(forger, new GetObjectCommand({ Bucket, Key: 'forged' }), { expiresIn: 60 });
    forger.destroy();
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(await s3ErrorCode(response)).toBe('SignatureDoesNotMatch');
  });

  it('refuses a presigned PUT whose signed header has another value, storing nothing', async () => {
    const bytes = randomBytes(200);
    const checksum = createHash('sha256').update(bytes).digest('base64');
    const signed = new Set(['x-amz-checksum-sha256', 'if-none-match']);
    const command = new PutObjectCommand({ Bucket, Key: 'put', ChecksumSHA256: checksum, IfNoneMatch: '*' });
    const url = await getSignedUrl(local().client, command, { expiresIn: 60, signableHeaders: signed, unhoistableHeaders: signed });
    const other = createHash('sha256').update('other').digest('base64');
    const refused = await fetch(url, { method: 'PUT', body: bytes, headers: { 'if-none-match': '*', 'x-amz-checksum-sha256': other, authorization: BASIC } });
    expect(refused.status).toBe(403);
    expect(await s3ErrorCode(refused)).toBe('SignatureDoesNotMatch');
    expect((await fetch(local().url('put'), { method: 'HEAD' })).status).toBe(403);
    const accepted = await fetch(url, { method: 'PUT', body: bytes, headers: { 'if-none-match': '*', 'x-amz-checksum-sha256': checksum, authorization: BASIC } });
    expect(accepted.status).toBe(200);
  });

  it('still refuses two S3 auth mechanisms: a presigned query and a SigV4 Authorization header', async () => {
    await stored('twice');
    const url = await presignedGet('twice');
    const authorization = `AWS4-HMAC-SHA256 Credential=S3RVER/20250101/${LOCAL_REGION}/s3/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`;
    const response = await fetch(url, { headers: { authorization } });
    expect(response.status).toBe(400);
    expect(await s3ErrorCode(response)).toBe('InvalidArgument');
  });

  it('still refuses a Basic Authorization without a presigned query', async () => {
    await stored('basic-only');
    const response = await fetch(local().url('basic-only'), { headers: { authorization: BASIC } });
    expect(response.status).toBe(400);
    expect(await s3ErrorCode(response)).toBe('InvalidArgument');
  });

  it('refuses a presigned query with a malformed parameter', async () => {
    await stored('malformed');
    const url = await presignedGet('malformed');
    for (const [name, value] of [['X-Amz-Expires', 'soon'], ['X-Amz-Date', 'yesterday'], ['X-Amz-Credential', 'S3RVER']] as const) {
      const response = await fetch(withParam(url, name, value));
      expect(response.status, name).toBe(400);
      expect(await s3ErrorCode(response)).toBe('AuthorizationQueryParametersError');
    }
  });
});
