import { describe, expect, it } from 'vitest';
import { errorCodes } from '../support/client.js';
import { ociImage } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';

const registry = useRegistry();
const client = () => clientOf(registry());

/** References outside the OCI grammar: neither a tag nor a digest Berth can verify. */
const MALFORMED = ['.INVALID_MANIFEST_NAME', '-dash', 'a'.repeat(129), 'sha256:totallywrong', 'md5:0123456789abcdef', 'x'.repeat(2000)];

describe('a manifest reference outside the grammar', () => {
  it('is a manifest unknown to GET and HEAD, as any manifest not stored (404 MANIFEST_UNKNOWN)', async () => {
    await client().pushImage('references/app', 'v1', ociImage());
    for (const reference of MALFORMED) {
      const get = await client().request('GET', `/v2/references/app/manifests/${reference}`);
      expect(get.status, reference).toBe(404);
      expect(await errorCodes(get)).toEqual(['MANIFEST_UNKNOWN']);
      const head = await client().request('HEAD', `/v2/references/app/manifests/${reference}`);
      expect(head.status, reference).toBe(404);
    }
  });

  it('is NAME_UNKNOWN in a repository that does not exist, as a valid reference would be', async () => {
    for (const reference of ['.INVALID_MANIFEST_NAME', 'v1']) {
      const get = await client().request('GET', `/v2/references/absent/manifests/${reference}`);
      expect(get.status).toBe(404);
      expect(await errorCodes(get)).toEqual(['NAME_UNKNOWN']);
    }
  });

  it('is still refused with 400 on a PUT, and nothing is stored', async () => {
    const image = ociImage();
    await client().pushImage('references/put', 'v1', image);
    const byTag = await client().pushManifest('references/put', '.INVALID_MANIFEST_NAME', image.manifest);
    expect(byTag.status).toBe(400);
    expect(await errorCodes(byTag)).toEqual(['TAG_INVALID']);
    const byDigest = await client().pushManifest('references/put', 'sha256:totallywrong', image.manifest);
    expect(byDigest.status).toBe(400);
    expect(await errorCodes(byDigest)).toEqual(['DIGEST_INVALID']);
    const tags = await client().request('GET', '/v2/references/put/tags/list');
    expect(((await tags.json()) as { tags: string[] }).tags).toEqual(['v1']);
  });

  it('is still refused with 400 on a DELETE, which names what it removes', async () => {
    await client().pushImage('references/delete', 'v1', ociImage());
    const byTag = await client().request('DELETE', '/v2/references/delete/manifests/.INVALID_MANIFEST_NAME');
    expect(byTag.status).toBe(400);
    expect(await errorCodes(byTag)).toEqual(['TAG_INVALID']);
    const byDigest = await client().request('DELETE', '/v2/references/delete/manifests/sha256:totallywrong');
    expect(byDigest.status).toBe(400);
    expect(await errorCodes(byDigest)).toEqual(['DIGEST_INVALID']);
  });
});
