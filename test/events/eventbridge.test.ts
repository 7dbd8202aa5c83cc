import type { PutEventsRequest } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import type { EventBridge } from '../../lambdas/aws/eventbridge.js';
import { EventBridgeSink } from '../../lambdas/events/eventbridge-sink.js';
import { entryOf, eventOf } from '../../lambdas/events/eventbridge-format.js';
import { RegistryEvents } from '../../lambdas/events/registry-events.js';
import type { RegistryEvent } from '../../lambdas/events/registry-event.js';
import { createRegistryServices } from '../../lambdas/registry/services.js';
import { MAX_REQUEST_BODY_BYTES } from '../../lambdas/shared/limits.js';
import { freshStores } from '../support/backends.js';
import { ociImage } from '../support/oci.js';

type Entries = NonNullable<PutEventsRequest['Entries']>;

/**
 * EventBridge has no local emulator: these put through a stand-in client that records each
 * call and fails as told, to check the shape put and what the sink does when puts fail.
 */
function client(answer: (entries: Entries, call: number) => { ErrorCode?: string }[] | Error) {
  const calls: Entries[] = [];
  return {
    calls,
    client: {
      putEvents: async (input: PutEventsRequest) => {
        const entries = input.Entries!;
        calls.push(entries);
        const result = answer(entries, calls.length);
        if (result instanceof Error) throw result;
        return { Entries: result, FailedEntryCount: result.filter((entry) => entry.ErrorCode).length };
      },
    } as Pick<EventBridge, 'putEvents'>,
  };
}

const NOW = new Date('2026-03-01T12:00:00Z');
const MANIFEST = { digest: 'sha256:' + 'a'.repeat(64), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 512, configMediaType: 'application/vnd.oci.image.config.v1+json' };

describe('events on EventBridge', () => {
  it('puts a push in ECR\'s shape under Berth\'s source, one event per tag, on the bus given', async () => {
    const fake = client((entries) => entries.map(() => ({})));
    const logged: string[] = [];
    await new RegistryEvents(new EventBridgeSink(fake.client, { bus: 'arn:aws:events:eu-west-1:123456789012:event-bus/default', log: (line) => logged.push(line) }), () => NOW)
      .imagePushed('team/app', MANIFEST, ['v1', 'latest']);
    expect(fake.calls).toHaveLength(1);
    const [first, second] = fake.calls[0]!;
    expect(first).toMatchObject({ Source: 'berth.registry', DetailType: 'ECR Image Action', EventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/default', Time: NOW });
    expect(JSON.parse(first!.Detail!)).toEqual({
      result: 'SUCCESS',
      'action-type': 'PUSH',
      'repository-name': 'team/app',
      'image-digest': MANIFEST.digest,
      'image-tag': 'v1',
      'manifest-media-type': MANIFEST.mediaType,
      'artifact-media-type': MANIFEST.configMediaType,
      'manifest-size': 512,
    });
    expect(JSON.parse(second!.Detail!)['image-tag']).toBe('latest');
    expect(logged).toEqual([]);
  });

  it('reads back what a rule delivers, as the delivery function does', () => {
    const events: RegistryEvent[] = [
      { kind: 'image', id: 'e1', time: NOW.toISOString(), action: 'PUSH', repository: 'a/b', digest: MANIFEST.digest, tag: 'v1', manifest: { mediaType: MANIFEST.mediaType, size: 512, artifactMediaType: MANIFEST.configMediaType } },
      { kind: 'image', id: 'e2', time: NOW.toISOString(), action: 'DELETE', repository: 'a/b', digest: MANIFEST.digest, cause: 'lifecycle' },
      { kind: 'repository', id: 'e3', time: NOW.toISOString(), action: 'CREATE', repository: 'a/b' },
    ];
    for (const event of events) {
      const entry = entryOf(event);
      const received = { id: event.id, source: entry.Source, 'detail-type': entry.DetailType, time: event.time, detail: JSON.parse(entry.Detail) as Record<string, unknown> };
      expect(eventOf(received)).toEqual(event);
    }
    expect(eventOf({ id: 'x', source: 'aws.ecr', 'detail-type': 'ECR Image Action', time: NOW.toISOString(), detail: { 'repository-name': 'a' } })).toBeUndefined();
  });

  it('puts again only the entries EventBridge refused', async () => {
    const fake = client((entries, call) => entries.map((_, index) => (call === 1 && index === 1 ? { ErrorCode: 'ThrottlingException' } : {})));
    await new RegistryEvents(new EventBridgeSink(fake.client, { bus: 'default', retryMs: 1, log: () => undefined }), () => NOW)
      .imageDeleted('team/app', MANIFEST.digest, ['a', 'b', 'c'], 'user');
    expect(fake.calls.map((entries) => entries.map((entry) => JSON.parse(entry.Detail!)['image-tag']))).toEqual([['a', 'b', 'c'], ['b']]);
    expect(JSON.parse(fake.calls[1]![0]!.Detail!)).toMatchObject({ 'action-type': 'DELETE', 'delete-cause': 'user' });
  });

  it('gives up after its attempts, logging the events, and does not throw', async () => {
    const fake = client(() => new Error('ServiceUnavailable'));
    const logged: string[] = [];
    await new RegistryEvents(new EventBridgeSink(fake.client, { bus: 'default', attempts: 3, retryMs: 1, log: (line) => logged.push(line) }), () => NOW)
      .repositoryDeleted('team/app');
    expect(fake.calls).toHaveLength(3);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('events not put on default after 3 attempts');
    expect(logged[0]).toContain('team/app');
  });

  it('never fails a push whose event cannot be put', async () => {
    const stores = await freshStores();
    const fake = client(() => new Error('AccessDeniedException'));
    const services = createRegistryServices({
      ...stores,
      config: { createOnPush: true, downloadUrlSeconds: 300, uploadTtlSeconds: 3600, maxRequestBodyBytes: MAX_REQUEST_BODY_BYTES },
      registryUrl: 'http://registry.test',
      events: new EventBridgeSink(fake.client, { bus: 'default', retryMs: 1, log: () => undefined }),
    }, () => NOW);
    const image = ociImage();
    for (const item of [image.config, ...image.layers]) {
      await stores.store.putBlob({ digest: item.digest, size: item.bytes.length, objectKey: `blobs/${item.digest}`, createdAt: NOW.toISOString() });
    }
    await services.repositories.requireForPush('put/fails');
    for (const item of [image.config, ...image.layers]) {
      await stores.store.linkBlob('put/fails', { digest: item.digest, size: item.bytes.length, objectKey: `blobs/${item.digest}` });
    }
    await services.manifests.put('put/fails', 'v1', image.manifest.bytes, image.manifest.mediaType, []);
    expect((await stores.store.getTag('put/fails', 'v1'))?.digest).toBe(image.manifest.digest);
    // The repository's creation and the push were each tried three times.
    expect(fake.calls).toHaveLength(6);
  });
});
