import { MANIFEST_MEDIA_TYPES } from '../../lambdas/registry/media-types.js';
import type { RegistryClient } from '../../test/support/client.js';
import type { Fixture } from './fixture.js';
import { expectStatus } from './transfer.js';

export interface Operation {
  name: string;
  /** One HTTP request to the registry, its response read in full. */
  run: () => Promise<void>;
}

const ACCEPT = { accept: MANIFEST_MEDIA_TYPES.join(', ') };

/** The single-request read operations of a pulling client, against the fixture. */
export function readOperations(client: RegistryClient, fixture: Fixture) {
  const { repository, tag, image } = fixture;
  const layer = image.layers[0]!.digest;
  const operation = (name: string, method: string, path: string, status: number, headers: Record<string, string> = {}): Operation => ({
    name,
    run: async () => {
      const response = await expectStatus(client.request(method, path, { headers }), status, name);
      // Reading the body (empty for HEAD and the redirect) returns the connection to the keep-alive pool.
      await response.arrayBuffer();
    },
  });
  return {
    manifestHeadByTag: operation('manifest HEAD by tag', 'HEAD', `/v2/${repository}/manifests/${tag}`, 200, ACCEPT),
    manifestGetByTag: operation('manifest GET by tag', 'GET', `/v2/${repository}/manifests/${tag}`, 200, ACCEPT),
    manifestGetByDigest: operation('manifest GET by digest', 'GET', `/v2/${repository}/manifests/${image.manifest.digest}`, 200, ACCEPT),
    blobHead: operation('blob HEAD', 'HEAD', `/v2/${repository}/blobs/${layer}`, 200),
    // redirect: 'manual' in RegistryClient, so this is the 307 alone; the presigned URL is not fetched.
    blobGet: operation('blob GET (307 only)', 'GET', `/v2/${repository}/blobs/${layer}`, 307),
    tagsList: operation('tags list', 'GET', `/v2/${repository}/tags/list`, 200),
  };
}
