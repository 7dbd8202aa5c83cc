import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { newRepository } from '../../lambdas/store/repository-defaults.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { freshStores } from '../support/backends.js';
import { blob } from '../support/oci.js';

/**
 * The jobs function's entrypoint, as Lambda runs it, against DynamoDB Local:
 * a repository whose lifecycle policy fails makes the run fail (so the
 * function's error alarm sees it), after the other repositories are done.
 */

const EXPIRE_UNTAGGED = JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
});

// Modules read the environment as they load: each test loads them afresh, as a new instance would.
beforeEach(() => vi.resetModules());
afterEach(() => vi.unstubAllEnvs());

function manifest(seed: string, pushedAt: string) {
  const body = blob(JSON.stringify({ seed }), 'application/vnd.oci.image.manifest.v1+json');
  return { digest: body.digest, size: body.bytes.length, pushedAt, imageSize: body.bytes.length, children: [], body: body.bytes, mediaType: body.mediaType };
}

describe('the jobs function', () => {
  it('fails its run, naming the repository, when a lifecycle policy fails, and still applies the others', async () => {
    const { store, table } = await freshStores();
    const now = new Date();
    // A policy stored before validation refused such text: the run cannot read it.
    await store.createRepository(newRepository('jobs/broken', now, { lifecyclePolicyText: '{"rules": [' }));
    await store.createRepository(newRepository('jobs/kept', now, { lifecyclePolicyText: EXPIRE_UNTAGGED }));
    const [older, newer] = [manifest('older', '2026-01-01T00:00:00.000Z'), manifest('newer', '2026-01-02T00:00:00.000Z')];
    for (const item of [older, newer]) await store.putManifest('jobs/kept', { manifest: item, blobs: [], tags: [] });

    vi.stubEnv('AWS_REGION', LOCAL_REGION);
    vi.stubEnv('BERTH_TABLE', table);
    vi.stubEnv('BERTH_BUCKET', 'jobs-unused');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', inject('dynamoEndpoint'));
    vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_CREDENTIALS.secretAccessKey);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const { handler } = await import('../../lambdas/jobs/handler.js');

    await expect(handler()).rejects.toThrow('lifecycle policies failed for jobs/broken');
    expect(await store.getManifest('jobs/kept', older.digest)).toBeUndefined();
    expect(await store.getManifest('jobs/kept', newer.digest)).toBeDefined();
  });
});
