import { describe, expect, it } from 'vitest';
import { ENVELOPE_MEDIA_TYPE } from '../../lambdas/webhooks/envelope.js';
import { isValidSignature, SIGNATURE_HEADER } from '../../lambdas/webhooks/signature.js';
import { ociImage } from '../support/oci.js';
import { clientOf } from '../support/registry.js';
import { startReceiver } from './receiver.js';
import { berthAction, createWebhook, useEventsRegistry } from './registry.js';

// Short pauses between attempts, so that retries and giving up happen within a test.
const registry = useEventsRegistry({ retryMs: 50, maxRetryMs: 200, giveUpMs: 1500, timeoutMs: 60_000 });
const client = () => clientOf(registry());

interface Envelope {
  events: {
    id: string;
    timestamp: string;
    action: string;
    target: { mediaType?: string; size?: number; length?: number; digest: string; repository: string; url: string; tag?: string };
    request: { host: string; method: string };
    source: { addr: string };
  }[];
}

async function deliveries(name: string): Promise<{ outcome: string; attempt: number; eventId: string; status?: number }[]> {
  const response = await berthAction(registry(), 'ListWebhookDeliveries', { name });
  expect(response.status).toBe(200);
  return ((await response.json()) as { deliveries: { outcome: string; attempt: number; eventId: string; status?: number }[] }).deliveries;
}

/** Waits until the webhook's newest delivery record says `outcome`. */
async function newestOutcome(name: string, outcome: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await deliveries(name))[0]?.outcome !== outcome) {
    if (Date.now() > deadline) throw new Error(`no ${outcome} delivery for ${name}: ${JSON.stringify(await deliveries(name))}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('webhook deliveries', () => {
  it('delivers a push in distribution\'s envelope, signed with the webhook\'s secret', async () => {
    const receiver = await startReceiver();
    const secret = 'a-secret-of-sixteen-or-more';
    const { name } = await createWebhook(registry(), { url: receiver.url, events: ['push'], repositoryPrefix: 'signed/', secret });
    const image = ociImage();
    await client().pushImage('signed/app', 'v1', image);

    const [request] = await receiver.waitFor(1);
    expect(request!.headers['content-type']).toBe(ENVELOPE_MEDIA_TYPE);
    expect(isValidSignature(request!.body, secret, request!.headers[SIGNATURE_HEADER] as string)).toBe(true);
    expect(isValidSignature(request!.body, 'another-secret-of-16+', request!.headers[SIGNATURE_HEADER] as string)).toBe(false);
    const { events } = JSON.parse(request!.body) as Envelope;
    expect(events).toHaveLength(1);
    const host = new URL(registry().url).host;
    expect(events[0]).toMatchObject({
      action: 'push',
      target: {
        mediaType: image.manifest.mediaType,
        size: image.manifest.bytes.length,
        length: image.manifest.bytes.length,
        digest: image.manifest.digest,
        repository: 'signed/app',
        url: `${registry().url}/v2/signed/app/manifests/${image.manifest.digest}`,
        tag: 'v1',
      },
      request: { host, method: 'PUT' },
      source: { addr: host },
    });
    expect(Date.parse(events[0]!.timestamp)).not.toBeNaN();
    await newestOutcome(name, 'delivered');
  });

  it('sends deletes to a webhook that asked for them, and nothing outside its repository prefix', async () => {
    const receiver = await startReceiver();
    await createWebhook(registry(), { url: receiver.url, events: ['delete'], repositoryPrefix: 'deletes/' });
    const image = ociImage();
    await client().pushImage('deletes/app', 'old', image);
    await client().pushImage('elsewhere/app', 'old', image);
    expect((await client().request('DELETE', '/v2/elsewhere/app/manifests/old')).status).toBe(202);
    expect((await client().request('DELETE', '/v2/deletes/app/manifests/old')).status).toBe(202);

    const [request] = await receiver.waitFor(1);
    const { events } = JSON.parse(request!.body) as Envelope;
    expect(events[0]).toMatchObject({ action: 'delete', target: { repository: 'deletes/app', digest: image.manifest.digest, tag: 'old' }, request: { method: 'DELETE' } });
    // The pushes and the other repository's delete were not for it: one request in all.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received).toHaveLength(1);
  });

  it('retries a receiver that fails three times, and delivers the same event once it answers', async () => {
    const receiver = await startReceiver((n) => (n <= 3 ? 503 : 200));
    const { name } = await createWebhook(registry(), { url: receiver.url, repositoryPrefix: 'flaky/' });
    const image = ociImage();
    await client().pushImage('flaky/app', 'v1', image);

    const received = await receiver.waitFor(4);
    expect(new Set(received.map((request) => request.body)).size).toBe(1);
    await newestOutcome(name, 'delivered');
    const history = await deliveries(name);
    expect(history.map((delivery) => [delivery.attempt, delivery.outcome, delivery.status])).toEqual([
      [4, 'delivered', 200], [3, 'failed', 503], [2, 'failed', 503], [1, 'failed', 503],
    ]);
    expect(new Set(history.map((delivery) => delivery.eventId)).size).toBe(1);
  });

  it('records a delivery dead once the give-up time has passed, and tries no more', async () => {
    const receiver = await startReceiver(() => 500);
    const { name } = await createWebhook(registry(), { url: receiver.url, repositoryPrefix: 'down/' });
    await client().pushImage('down/app', 'v1', ociImage());

    await newestOutcome(name, 'dead');
    const attempts = receiver.received.length;
    const history = await deliveries(name);
    expect(history.filter((delivery) => delivery.outcome === 'dead')).toHaveLength(1);
    expect(history.filter((delivery) => delivery.outcome === 'failed')).toHaveLength(attempts - 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received).toHaveLength(attempts);
  });

  it('completes pushes while a receiver holds a delivery without answering', async () => {
    const receiver = await startReceiver(() => undefined);
    await createWebhook(registry(), { url: receiver.url, repositoryPrefix: 'hanging/' });
    await client().pushImage('hanging/app', 'first', ociImage());
    await receiver.waitFor(1);

    // The receiver holds the first delivery open (the attempt timeout is a minute); pushes go on all the same.
    await client().pushImage('hanging/app', 'second', ociImage());
    await client().pushImage('hanging/app', 'third', ociImage());
    const tags = await client().request('GET', '/v2/hanging/app/tags/list');
    expect(((await tags.json()) as { tags: string[] }).tags.sort()).toEqual(['first', 'second', 'third']);
    await receiver.waitFor(3);
  });
});
