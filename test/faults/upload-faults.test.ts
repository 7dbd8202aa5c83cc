import { randomBytes } from 'node:crypto';
import { actionsFor } from '../../lambdas/auth/actions.js';
import { RegistryTokens } from '../../lambdas/auth/registry-tokens.js';
import { describe, expect, it } from 'vitest';
import { createRegistryApp } from '../../lambdas/registry/app.js';
import type { HttpApp } from '../../lambdas/shared/http/types.js';
import { MAX_REQUEST_BODY_BYTES } from '../../lambdas/shared/limits.js';
import type { BlobStore } from '../../lambdas/store/blob-store.js';
import { freshStores } from '../support/backends.js';
import { failingOnce } from '../support/faults.js';
import { sha256 } from '../support/oci.js';

const ACCOUNT = '000000000000';
const signingKey = { kid: 'k', secret: randomBytes(32) };
const tokens = new RegistryTokens(async () => ({ current: signingKey, previous: [] }), 'registry', () => new Date());
let authorization = '';

async function appWithFault(method: keyof BlobStore, failures: { count: number }): Promise<HttpApp> {
  const { store, templates, blobs, accessKeys } = await freshStores();
  const { token } = await tokens.issue({ principalArn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT, actions: actionsFor(['pull', 'push']) }, 3600);
  authorization = `Bearer ${token}`;
  return createRegistryApp({
    store,
    templates,
    blobs: failingOnce(blobs, method, failures),
    accessKeys,
    config: { createOnPush: true, downloadUrlSeconds: 60, uploadTtlSeconds: 3600, maxRequestBodyBytes: MAX_REQUEST_BODY_BYTES },
    access: { tokens, accountId: ACCOUNT, region: 'us-east-1', realm: 'http://registry', policyCacheSeconds: 0, accessKeyCacheSeconds: 0, policyCacheEntries: 1000 },
    log: () => undefined,
  });
}

function call(app: HttpApp, method: string, path: string, body = Buffer.alloc(0), headers: Record<string, string> = {}) {
  const url = new URL(path, 'http://registry');
  return app({ method, path: url.pathname, query: url.searchParams, headers: { authorization, ...headers }, body });
}

describe('uploads under S3 faults', () => {
  it('keeps the session consistent when storing a chunk fails, so the same chunk can be sent again', async () => {
    const failures = { count: 0 };
    const app = await appWithFault('put', failures);
    const bytes = randomBytes(2000);
    const started = await call(app, 'POST', '/v2/faults/chunk/blobs/uploads/');
    const location = started.headers.location!;

    failures.count = 1;
    const failed = await call(app, 'PATCH', location, bytes.subarray(0, 1000), { 'content-range': '0-999' });
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body!.toString()).errors[0].message).not.toContain('injected');

    const retried = await call(app, 'PATCH', location, bytes.subarray(0, 1000), { 'content-range': '0-999' });
    expect(retried.status).toBe(202);
    expect(retried.headers.range).toBe('0-999');
    const done = await call(app, 'PUT', `${location}?digest=${sha256(bytes)}`, bytes.subarray(1000), { 'content-range': '1000-1999' });
    expect(done.status).toBe(201);
  });

  it('leaves no blob visible when completing a multipart upload fails, and completes on retry', async () => {
    const failures = { count: 0 };
    const app = await appWithFault('completeMultipart', failures);
    const chunk = 3 * 1024 * 1024;
    const bytes = randomBytes(2 * chunk + 100);
    const started = await call(app, 'POST', '/v2/faults/multipart/blobs/uploads/');
    const location = started.headers.location!;
    for (let start = 0; start < bytes.length; start += chunk) {
      const part = bytes.subarray(start, start + chunk);
      const response = await call(app, 'PATCH', location, part, { 'content-range': `${start}-${start + part.length - 1}` });
      expect(response.status).toBe(202);
    }

    failures.count = 1;
    const failed = await call(app, 'PUT', `${location}?digest=${sha256(bytes)}`);
    expect(failed.status).toBe(500);
    const head = await call(app, 'HEAD', `/v2/faults/multipart/blobs/${sha256(bytes)}`);
    expect(head.status).toBe(404);

    const retried = await call(app, 'PUT', `${location}?digest=${sha256(bytes)}`);
    expect(retried.status).toBe(201);
    const after = await call(app, 'HEAD', `/v2/faults/multipart/blobs/${sha256(bytes)}`);
    expect(after.headers['content-length']).toBe(String(bytes.length));
  });
});
