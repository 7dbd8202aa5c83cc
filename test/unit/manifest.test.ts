import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../lambdas/registry/errors.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../../lambdas/registry/manifest.js';
import { artifact, blob, ociImage, ociIndex, randomBlob, sha256 } from '../support/oci.js';

function kindOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof RegistryError ? error.kind : 'other';
  }
}

describe('parseManifest', () => {
  it('takes the digest over the exact bytes and lists config and layers as blobs', () => {
    const image = ociImage({ layerSizes: [10, 20] });
    const parsed = parseManifest(image.manifest.bytes, image.manifest.mediaType);
    expect(parsed.digest).toBe(sha256(image.manifest.bytes));
    expect(parsed.blobs.map((item) => item.digest)).toEqual([image.config.digest, ...image.layers.map((layer) => layer.digest)]);
    expect(parsed.artifactType).toBe('application/vnd.oci.image.config.v1+json');
  });

  it('lists the children of an index and no blobs', () => {
    const image = ociImage();
    const index = ociIndex([{ image, platform: { os: 'linux', architecture: 'amd64' } }]);
    const parsed = parseManifest(index.bytes, undefined);
    expect(parsed.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(parsed.children.map((child) => child.digest)).toEqual([image.manifest.digest]);
    expect(parsed.blobs).toEqual([]);
  });

  it('reads subject, artifactType and annotations of an artifact', () => {
    const subject = ociImage().manifest;
    const parsed = parseManifest(artifact(subject, 'application/x.sbom', randomBlob(5), { a: 'b' }).bytes, undefined);
    expect(parsed.subject?.digest).toBe(subject.digest);
    expect(parsed.artifactType).toBe('application/x.sbom');
    expect(parsed.annotations).toEqual({ a: 'b' });
  });

  it('skips foreign layers that have URLs when listing blobs to check', () => {
    const config = randomBlob(5);
    const foreign = { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest: randomBlob(1).digest, size: 1, urls: ['https://example.com/l'] };
    const bytes = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: config.digest, size: 5 }, layers: [foreign],
    }));
    expect(parseManifest(bytes, undefined).blobs.map((item) => item.digest)).toEqual([config.digest]);
  });

  it.each([
    ['not JSON', Buffer.from('{'), undefined],
    ['an array', Buffer.from('[]'), undefined],
    ['schemaVersion 1', Buffer.from('{"schemaVersion":1,"config":{}}'), undefined],
    ['an unknown media type', Buffer.from('{"schemaVersion":2,"mediaType":"application/x.custom","config":{}}'), undefined],
    ['a Content-Type other than its mediaType', ociImage().manifest.bytes, 'application/vnd.docker.distribution.manifest.v2+json'],
    ['a bad descriptor digest', Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a","digest":"sha256:1","size":1},"layers":[]}'), undefined],
    ['a negative size', Buffer.from(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a","digest":"${sha256(Buffer.from('x'))}","size":-1},"layers":[]}`), undefined],
  ])('refuses %s with MANIFEST_INVALID', (_, bytes, contentType) => {
    expect(kindOf(() => parseManifest(bytes, contentType))).toBe('MANIFEST_INVALID');
  });

  it('accepts a Content-Type with parameters', () => {
    const image = ociImage();
    expect(parseManifest(image.manifest.bytes, `${image.manifest.mediaType}; charset=utf-8`).mediaType).toBe(image.manifest.mediaType);
  });

  it('refuses manifests over 4 MiB with TOO_LARGE', () => {
    const bytes = Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20);
    expect(kindOf(() => parseManifest(bytes, undefined))).toBe('TOO_LARGE');
  });

  it('accepts a manifest without mediaType by its Content-Type', () => {
    const body = blob(JSON.stringify({ schemaVersion: 2, manifests: [] }));
    expect(parseManifest(body.bytes, 'application/vnd.docker.distribution.manifest.list.v2+json').mediaType)
      .toBe('application/vnd.docker.distribution.manifest.list.v2+json');
  });
});
