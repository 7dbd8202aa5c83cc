import { expect, it } from 'vitest';
import { HeldManifests } from '../../lambdas/pull-through/held-manifests.js';
import { DynamoCacheRuleStore } from '../../lambdas/store/dynamo-cache-rule-store.js';
import { paddedManifest } from '../support/manifests.js';
import { ociImage, sha256 } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { age, dynamo } from '../gc/gc-support.js';

/**
 * A manifest the cache holds in S3 (too large for an item) while its image is being stored is
 * not garbage: the collector keeps it, even when another repository had the same manifest and
 * deleted it, which leaves the collector with its object queued.
 */

const registry = useRegistry();

it('keeps the object of a held manifest that no stored image holds', async () => {
  const image = ociImage({ layerSizes: [2000] });
  const manifest = paddedManifest(image, 400 * 1024);
  const client = clientOf(registry());
  await client.pushImage('elsewhere/big', 'v1', { ...image, manifest });
  expect((await client.request('DELETE', `/v2/elsewhere/big/manifests/${manifest.digest}`)).status).toBe(202);

  // What a first pull of the same image through a cache rule holds while its job stores the image.
  const rules = new DynamoCacheRuleStore(dynamo(), registry().table);
  const now = new Date().toISOString();
  await rules.createRule({ ecrRepositoryPrefix: 'mirror', upstreamRegistryUrl: 'http://127.0.0.1:9', createdAt: now, updatedAt: now });
  const held = new HeldManifests(rules, registry().blobs, registry().store);
  await held.hold('mirror/team/big', { digest: manifest.digest, mediaType: manifest.mediaType, bytes: manifest.bytes });

  await age(registry());
  const { report } = await registry().collectGarbage();
  // The pushed image's layer and config went; the manifest's object did not.
  expect(report.blobs).toBe(2);
  expect(report.manifests).toBe(0);
  const served = await client.request('GET', `/v2/mirror/team/big/manifests/${manifest.digest}`, { headers: { accept: manifest.mediaType } });
  expect(served.status).toBe(200);
  expect(sha256(Buffer.from(await served.arrayBuffer()))).toBe(manifest.digest);
});
