import { expect } from 'vitest';
import { errorCodes, type RegistryClient } from './client.js';
import { blob, descriptor, sha256, type Blob, type Image } from './oci.js';

/** Media types and checks the manifest tests share. */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

export async function bytesOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

/** Checks of what `client` reads back from the registry. */
export function manifestChecks(client: () => RegistryClient) {
  return {
    /** GETs a manifest and checks the response is exactly `expected`, with its headers. */
    async expectManifest(repository: string, reference: string, expected: Blob, accept?: string): Promise<void> {
      const response = await client().request('GET', `/v2/${repository}/manifests/${reference}`, accept ? { headers: { accept } } : {});
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(expected.mediaType);
      expect(response.headers.get('docker-content-digest')).toBe(expected.digest);
      expect(response.headers.get('content-length')).toBe(String(expected.bytes.length));
      const body = await bytesOf(response);
      expect(body.equals(expected.bytes)).toBe(true);
      expect(sha256(body)).toBe(expected.digest);
    },

    async expectManifestUnknown(repository: string, reference: string): Promise<void> {
      const response = await client().request('GET', `/v2/${repository}/manifests/${reference}`);
      expect(response.status).toBe(404);
      expect(await errorCodes(response)).toEqual(['MANIFEST_UNKNOWN']);
    },

    async tagsOf(repository: string): Promise<string[]> {
      const response = await client().request('GET', `/v2/${repository}/tags/list`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { tags: string[] }).tags;
    },
  };
}

/** An OCI image manifest whose annotation pads it to exactly `size` bytes. */
export function paddedManifest(image: Image, size: number): Blob {
  const document = (pad: string) => JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor(image.config),
    layers: image.layers.map((layer) => descriptor(layer)),
    annotations: { 'org.example.padding': pad },
  });
  const overhead = Buffer.byteLength(document(''));
  const bytes = Buffer.from(document('x'.repeat(size - overhead)));
  expect(bytes.length).toBe(size);
  return blob(bytes, OCI_MANIFEST);
}
