import { describe, expect, it } from 'vitest';
import { composeGarbageCollector } from '../../lambdas/gc/compose.js';
import { DEFAULT_GC_GRACE_SECONDS } from '../../lambdas/gc/settings.js';
import { collectGarbage } from '../../lambdas/jobs/gc-job.js';
import { randomBlob } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { age, dynamo, imageOf } from './gc-support.js';

/** The jobs function's collection run: its log line with the metrics, and a pass spread over runs. */

const registry = useRegistry();
const client = () => clientOf(registry());

describe('the scheduled collection run', () => {
  it('logs what it reclaimed and what stays stored as embedded metrics, and resumes a pass its time limit cut', async () => {
    const kept = imageOf([randomBlob(2000, 'application/vnd.oci.image.layer.v1.tar+gzip')], 'job-kept');
    const doomed = imageOf([randomBlob(1000, 'application/vnd.oci.image.layer.v1.tar+gzip')], 'job-doomed');
    await client().pushImage('gc/job', 'kept', kept);
    await client().pushImage('gc/job', 'doomed', doomed);
    expect((await client().request('DELETE', `/v2/gc/job/manifests/${doomed.manifest.digest}`)).status).toBe(202);
    await age(registry());
    const collector = composeGarbageCollector({
      dynamo: dynamo(), table: registry().table, store: registry().store, blobs: registry().blobs, graceSeconds: DEFAULT_GC_GRACE_SECONDS,
    });

    const lines: string[] = [];
    // No time left: each run does one unit of work, saves where it stopped and logs; the next run resumes there.
    for (let run = 0; run < 100 && !lines.at(-1)?.includes('finished its pass'); run += 1) {
      await collectGarbage(collector, { table: registry().table, remainingMs: 0, log: (line) => lines.push(line) });
    }

    const records = lines.map((line) => JSON.parse(line) as Record<string, any>);
    expect(records.length).toBeGreaterThan(1);
    expect(records.at(-1)!.message).toContain('finished its pass');
    expect(await collector.savedCursor()).toBeUndefined();
    for (const record of records) {
      expect(record._aws.CloudWatchMetrics).toEqual([{
        Namespace: 'Berth',
        Dimensions: [['Table']],
        Metrics: [{ Name: 'BytesStored', Unit: 'Bytes' }, { Name: 'BytesReclaimed', Unit: 'Bytes' }],
      }]);
      expect(record.Table).toBe(registry().table);
    }
    const reclaimed = records.reduce((sum, record) => sum + (record.BytesReclaimed as number), 0);
    expect(reclaimed).toBe(doomed.config.bytes.length + doomed.layers[0]!.bytes.length);
    expect(records.at(-1)!.BytesStored).toBe(kept.config.bytes.length + kept.layers[0]!.bytes.length);
  });
});
