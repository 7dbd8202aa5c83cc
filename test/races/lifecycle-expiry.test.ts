import { describe, expect, it } from 'vitest';
import { runLifecyclePolicies } from '../../lambdas/jobs/lifecycle-job.js';
import type { MetadataStore } from '../../lambdas/store/metadata-store.js';
import type { ManifestRecord } from '../../lambdas/store/records.js';
import { newRepository } from '../../lambdas/store/repository-defaults.js';
import { freshStores } from '../support/backends.js';
import { sha256 } from '../support/oci.js';

const EXPIRE_UNTAGGED_BEYOND_ONE = JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
});

function record(seed: string, pushedAt: string, children: string[] = []): ManifestRecord {
  const body = Buffer.from(JSON.stringify({ seed }));
  return {
    digest: sha256(body), size: body.length, pushedAt, imageSize: body.length, children, body,
    mediaType: children.length > 0 ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.oci.image.manifest.v1+json',
  };
}

describe('lifecycle expiry racing an index push', () => {
  it('keeps an image that an index pushed after the listing lists, and reports it not expired', async () => {
    const { store } = await freshStores();
    await store.createRepository(newRepository('races/lifecycle', new Date(), { lifecyclePolicyText: EXPIRE_UNTAGGED_BEYOND_ONE }));
    const older = record('older', '2026-01-01T00:00:00.000Z');
    const newer = record('newer', '2026-01-02T00:00:00.000Z');
    for (const manifest of [older, newer]) await store.putManifest('races/lifecycle', { manifest, blobs: [], tags: [] });
    const index = record('index', '2026-01-03T00:00:00.000Z', [older.digest]);

    // The index is pushed right after the job has listed the images, before it deletes any.
    let pushed = false;
    const racing: MetadataStore = Object.create(store, {
      listManifests: {
        value: async (...args: Parameters<MetadataStore['listManifests']>) => {
          const page = await store.listManifests(...args);
          if (!pushed) {
            pushed = true;
            await store.putManifest('races/lifecycle', { manifest: index, blobs: [], tags: ['multi'] });
          }
          return page;
        },
      },
    });
    const report = await runLifecyclePolicies(racing, new Date('2026-02-01T00:00:00Z'));
    expect(report).toMatchObject({ expired: [], failures: [] });
    expect((await store.getManifest('races/lifecycle', older.digest))?.listedBy).toEqual([index.digest]);
  });
});
