import { describe, expect, it } from 'vitest';
import { ReadAheadLinks } from '../../lambdas/registry/blobs/read-ahead-links.js';
import type { BlobLink } from '../../lambdas/store/records.js';
import { ociImage, ociIndex, type Image } from '../support/oci.js';

/**
 * What ReadAheadLinks keeps when a read cannot be trusted or has nothing to give. The store here
 * answers from a map, or fails, or lets a change be told of while it reads: faults the store
 * contract tests cannot stage.
 */

const image: Image = ociImage({ layerSizes: [10, 20] });
const linkOf = (digest: string): BlobLink => ({ digest, size: 1, objectKey: `blobs/${digest}` });
const allLinks = async (_repository: string, digests: string[]) => new Map(digests.map((digest) => [digest, linkOf(digest)]));

describe('ReadAheadLinks', () => {
  it('keeps the links of an image manifest\'s config and layers, for that repository only', async () => {
    const links = new ReadAheadLinks({ getBlobLinks: allLinks }, 30);
    await links.readAhead('app', image.manifest.mediaType, Buffer.from(image.manifest.bytes));
    for (const item of [image.config, ...image.layers]) expect(links.recall('app', item.digest)).toEqual(linkOf(item.digest));
    expect(links.recall('other', image.layers[0]!.digest)).toBeUndefined();
  });

  it('reads nothing for an index, which lists manifests, not blobs', async () => {
    let reads = 0;
    const links = new ReadAheadLinks({ getBlobLinks: async (...args) => { reads += 1; return allLinks(...args); } }, 30);
    const index = ociIndex([{ image, platform: { os: 'linux', architecture: 'amd64' } }]);
    await links.readAhead('app', index.mediaType, Buffer.from(index.bytes));
    expect(reads).toBe(0);
  });

  it('keeps nothing, and fails nothing, when the read fails: the blob GETs read their own links', async () => {
    const links = new ReadAheadLinks({ getBlobLinks: async () => { throw new Error('throttled'); } }, 30);
    await expect(links.readAhead('app', image.manifest.mediaType, Buffer.from(image.manifest.bytes))).resolves.toBeUndefined();
    expect(links.recall('app', image.layers[0]!.digest)).toBeUndefined();
  });

  it('keeps nothing read across a change it was told of, which may have been about those links', async () => {
    let tell!: () => void;
    const links = new ReadAheadLinks({
      getBlobLinks: async (...args) => {
        tell();
        return allLinks(...args);
      },
    }, 30, Date.now, (forget) => { tell = forget; });
    await links.readAhead('app', image.manifest.mediaType, Buffer.from(image.manifest.bytes));
    expect(links.recall('app', image.layers[0]!.digest)).toBeUndefined();
  });

  it('reads nothing with no read-ahead time', async () => {
    let reads = 0;
    const links = new ReadAheadLinks({ getBlobLinks: async (...args) => { reads += 1; return allLinks(...args); } }, 0);
    await links.readAhead('app', image.manifest.mediaType, Buffer.from(image.manifest.bytes));
    expect(reads).toBe(0);
    expect(links.recall('app', image.layers[0]!.digest)).toBeUndefined();
  });
});
