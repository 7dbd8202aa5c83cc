import { UpdateCommand } from '../../lambdas/aws/dynamodb.js';
import { describe, expect, it } from 'vitest';
import { GarbageCollector } from '../../lambdas/gc/garbage-collector.js';
import { DEFAULT_GC_GRACE_SECONDS } from '../../lambdas/gc/settings.js';
import { DynamoGcStore } from '../../lambdas/store/dynamo-gc-store.js';
import type { GcStore } from '../../lambdas/store/gc-store.js';
import { keys } from '../../lambdas/store/keys.js';
import type { Blob, Image } from '../support/oci.js';
import { randomBlob } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { dynamo, imageOf, PAST_GRACE_MS, pullsIdentical } from './gc-support.js';

/**
 * Garbage collection racing pushes that reuse the very layers it is about to collect: an image
 * deleted more than the grace period ago leaves its layers unreferenced and unused, and a push of
 * another image with those layers runs while a pass collects them. Each step of both sides waits
 * a random moment first, so the trials cover many interleavings; a pass races the pushes of
 * several trials at once, each in a repository of its own. Whatever the order, every push
 * succeeds and every blob it references pulls byte-identical.
 */

const ROUNDS = 5;
const TRIALS_PER_ROUND = 20;
const TRIALS = ROUNDS * TRIALS_PER_ROUND;

const registry = useRegistry();
const client = () => clientOf(registry());

/** A pause of up to `ms`, drawn anew each time. */
function jitter(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ms));
}

/** The collector's store, each call starting after a random pause: the fault injection that interleaves it with the push. */
function jittered(store: GcStore): GcStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await jitter(2);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Moves the use of the blob and of its link in the repository two days back: unused for longer than the grace period. */
async function ageBlob(repository: string, digest: string): Promise<void> {
  for (const key of [keys.blob(digest), keys.blobLink(repository, digest)]) {
    await dynamo().send(new UpdateCommand({
      TableName: registry().table,
      Key: key,
      UpdateExpression: 'SET #touchedAt = :past',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#touchedAt': 'touchedAt' },
      ExpressionAttributeValues: { ':past': Date.now() - PAST_GRACE_MS },
    }));
  }
}

/** Pushes as docker does: asks for each blob with HEAD, uploads those the registry lacks, then the manifest. */
async function pushReusing(repository: string, tag: string, image: Image): Promise<number> {
  for (const item of [image.config, ...image.layers]) {
    await jitter(4);
    const head = await client().request('HEAD', `/v2/${repository}/blobs/${item.digest}`);
    if (head.status === 200) continue;
    await jitter(4);
    await client().pushBlob(repository, item);
  }
  await jitter(4);
  return (await client().pushManifest(repository, tag, image.manifest)).status;
}

describe('garbage collection racing pushes', () => {
  it(`never loses a blob a push references, in ${TRIALS} trials`, { timeout: 120_000 }, async () => {
    const collector = new GarbageCollector({
      store: registry().store,
      gc: jittered(new DynamoGcStore(dynamo(), registry().table)),
      blobs: registry().blobs,
      graceSeconds: DEFAULT_GC_GRACE_SECONDS,
      now: () => new Date(),
    });
    const failures: string[] = [];
    let collected = 0;
    /** Leaves, in the trial's repository, layers that an image deleted long ago referenced; returns the image that reuses them. */
    const prepare = async (trial: number, repository: string): Promise<Image> => {
      const layers: Blob[] = [randomBlob(256 + trial, 'application/vnd.oci.image.layer.v1.tar+gzip')];
      const old = imageOf(layers, `old-${trial}`);
      await client().pushImage(repository, `old-${trial}`, old);
      expect((await client().request('DELETE', `/v2/${repository}/manifests/${old.manifest.digest}`)).status).toBe(202);
      for (const item of [old.config, ...layers]) await ageBlob(repository, item.digest);
      return imageOf(layers, `new-${trial}`);
    };
    for (let round = 0; round < ROUNDS; round += 1) {
      const trials = Array.from({ length: TRIALS_PER_ROUND }, (_, slot) => ({ trial: round * TRIALS_PER_ROUND + slot, repository: `gc/race-${slot}` }));
      const images = await Promise.all(trials.map(({ trial, repository }) => prepare(trial, repository)));
      const [outcome, ...statuses] = await Promise.all([
        collector.run(),
        ...trials.map(({ trial, repository }, index) => pushReusing(repository, `new-${trial}`, images[index]!)),
      ]);
      collected += outcome.report.blobs;
      await Promise.all(trials.map(async ({ trial, repository }, index) => {
        if (statuses[index] !== 201) failures.push(`trial ${trial}: the push answered ${String(statuses[index])}`);
        else if (!(await pullsIdentical(client(), repository, `new-${trial}`, images[index]!))) failures.push(`trial ${trial}: the image does not pull as pushed`);
      }));
    }
    expect(failures).toEqual([]);
    // The race was real: the collector did delete what it raced for (the old configs, and layers it won).
    expect(collected).toBeGreaterThanOrEqual(TRIALS);
  });
});
