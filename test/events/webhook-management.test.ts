import { describe, expect, it } from 'vitest';
import { BERTH_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { ociImage } from '../support/oci.js';
import { clientOf } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';
import { startReceiver } from './receiver.js';
import { berthAction, createWebhook, useEventsRegistry } from './registry.js';

const registry = useEventsRegistry({ retryMs: 50, maxRetryMs: 100, giveUpMs: 1000 });

async function refusal(action: string, body: unknown): Promise<{ status: number; type: string; message: string }> {
  const response = await berthAction(registry(), action, body);
  const error = (await response.json()) as { __type: string; message: string };
  return { status: response.status, type: error.__type, message: error.message };
}

interface Envelope { events: { action: string; target: { repository: string; digest: string; tag?: string } }[] }

const eventsOf = (bodies: { body: string }[]) => bodies.map(({ body }) => (JSON.parse(body) as Envelope).events[0]!);

describe('webhook subscriptions', () => {
  it('creates, lists without the secret, and deletes a webhook; a made secret is shown once', async () => {
    const created = await berthAction(registry(), 'CreateWebhook', { url: 'https://hooks.example.com/berth', name: 'ci', events: ['push'], repositoryPrefix: 'team/' });
    expect(created.status).toBe(200);
    const body = (await created.json()) as { webhook: Record<string, unknown>; secret: string };
    expect(body.webhook).toMatchObject({ name: 'ci', url: 'https://hooks.example.com/berth', events: ['push'], repositoryPrefix: 'team/' });
    expect(body.secret.length).toBeGreaterThanOrEqual(16);

    const listed = (await (await berthAction(registry(), 'ListWebhooks', {})).json()) as { webhooks: Record<string, unknown>[] };
    const ci = listed.webhooks.find((webhook) => webhook.name === 'ci');
    expect(ci).toMatchObject({ url: 'https://hooks.example.com/berth', events: ['push'] });
    expect(JSON.stringify(listed)).not.toContain(body.secret);

    expect((await berthAction(registry(), 'DeleteWebhook', { name: 'ci' })).status).toBe(200);
    const after = (await (await berthAction(registry(), 'ListWebhooks', {})).json()) as { webhooks: { name: string }[] };
    expect(after.webhooks.map((webhook) => webhook.name)).not.toContain('ci');
  });

  it('refuses bad input in ECR\'s error shape', async () => {
    expect(await refusal('CreateWebhook', { url: 'not a url' })).toMatchObject({ status: 400, type: 'InvalidParameterException' });
    expect(await refusal('CreateWebhook', { url: 'ftp://hooks.example.com/' })).toMatchObject({ status: 400, type: 'InvalidParameterException' });
    expect(await refusal('CreateWebhook', { url: 'https://user:pass@hooks.example.com/' })).toMatchObject({ status: 400, type: 'InvalidParameterException' });
    const events = await refusal('CreateWebhook', { url: 'https://hooks.example.com/', events: ['push', 'pull'] });
    expect(events).toMatchObject({ status: 400, type: 'InvalidParameterException' });
    expect(events.message).toContain('"pull"');
    expect(await refusal('CreateWebhook', { url: 'https://hooks.example.com/', events: [] })).toMatchObject({ status: 400, type: 'ValidationException' });
    expect(await refusal('CreateWebhook', { url: 'https://hooks.example.com/', secret: 'short' })).toMatchObject({ status: 400, type: 'ValidationException' });
    expect(await refusal('CreateWebhook', { url: 'https://hooks.example.com/', name: 'has space' })).toMatchObject({ status: 400, type: 'ValidationException' });
    expect(await refusal('CreateWebhook', {})).toMatchObject({ status: 400, type: 'ValidationException' });
  });

  it('refuses a name taken, and names no webhook that is not there', async () => {
    await createWebhook(registry(), { url: 'https://hooks.example.com/', name: 'taken' });
    expect(await refusal('CreateWebhook', { url: 'https://other.example.com/', name: 'taken' })).toMatchObject({ status: 400, type: 'WebhookAlreadyExistsException' });
    for (const action of ['DeleteWebhook', 'TestWebhook', 'ListWebhookDeliveries']) {
      expect(await refusal(action, { name: 'missing' })).toEqual({ status: 400, type: 'WebhookNotFoundException', message: 'The webhook with name \'missing\' does not exist' });
    }
  });

  it('is for administrators: a key Berth issued may not manage webhooks', async () => {
    const issued = await berthAction(registry(), 'CreateAccessKey', { principalName: 'ci-bot' });
    const { accessKey } = (await issued.json()) as { accessKey: { accessKeyId: string; secretAccessKey: string } };
    const response = await send(await signedManagementRequest(registry(), `${BERTH_TARGET_PREFIX}ListWebhooks`, {}, { credentials: accessKey }));
    expect(response.status).toBe(403);
    const error = (await response.json()) as { __type: string; message: string };
    expect(error.__type).toBe('AccessDeniedException');
    expect(error.message).toContain('manage webhooks');
  });

  it('sends a test delivery now and reports how it went', async () => {
    const receiver = await startReceiver((n) => (n === 1 ? 204 : 500));
    const { name } = await createWebhook(registry(), { url: receiver.url, repositoryPrefix: 'probe/' });
    const first = (await (await berthAction(registry(), 'TestWebhook', { name })).json()) as { delivery: { outcome: string; status: number; action: string } };
    expect(first.delivery).toMatchObject({ outcome: 'delivered', status: 204, action: 'test' });
    expect(eventsOf(receiver.received)[0]).toMatchObject({ action: 'push', target: { repository: 'probe/webhook-test', tag: 'test' } });
    const second = (await (await berthAction(registry(), 'TestWebhook', { name })).json()) as { delivery: { outcome: string; error: string } };
    expect(second.delivery).toMatchObject({ outcome: 'failed', error: 'the receiver answered 500' });
  });
});

describe('what is announced to webhooks', () => {
  it('announces images deleted through ECR\'s BatchDeleteImage, by digest with each tag, and by tag', async () => {
    const receiver = await startReceiver();
    await createWebhook(registry(), { url: receiver.url, events: ['delete'], repositoryPrefix: 'batch/' });
    const kept = ociImage();
    const gone = ociImage();
    await clientOf(registry()).pushImage('batch/app', 'a', gone);
    await clientOf(registry()).pushManifest('batch/app', 'b', gone.manifest);
    await clientOf(registry()).pushImage('batch/app', 'keep', kept);
    const deleted = await send(await signedManagementRequest(registry(), 'AmazonEC2ContainerRegistry_V20150921.BatchDeleteImage', {
      repositoryName: 'batch/app', imageIds: [{ imageDigest: gone.manifest.digest }, { imageTag: 'keep' }],
    }));
    expect(deleted.status).toBe(200);

    const announced = eventsOf(await receiver.waitFor(3));
    expect(announced.map((event) => [event.action, event.target.digest, event.target.tag]).sort()).toEqual([
      ['delete', gone.manifest.digest, 'a'], ['delete', gone.manifest.digest, 'b'], ['delete', kept.manifest.digest, 'keep'],
    ].sort());
  });

  it('announces each image of a repository deleted with force', async () => {
    const receiver = await startReceiver();
    await createWebhook(registry(), { url: receiver.url, events: ['delete'], repositoryPrefix: 'doomed/' });
    const image = ociImage();
    await clientOf(registry()).pushImage('doomed/app', 'v1', image);
    const deleted = await send(await signedManagementRequest(registry(), 'AmazonEC2ContainerRegistry_V20150921.DeleteRepository', { repositoryName: 'doomed/app', force: true }));
    expect(deleted.status).toBe(200);
    expect(eventsOf(await receiver.waitFor(1))).toEqual([expect.objectContaining({ action: 'delete', target: expect.objectContaining({ repository: 'doomed/app', digest: image.manifest.digest, tag: 'v1' }) })]);
  });

  it('announces images its lifecycle policy expires', async () => {
    const receiver = await startReceiver();
    await createWebhook(registry(), { url: receiver.url, events: ['delete'], repositoryPrefix: 'expiring/' });
    const image = ociImage();
    await clientOf(registry()).pushImage('expiring/app', image.manifest.digest, image);
    const policy = { rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }, action: { type: 'expire' } }] };
    const put = await send(await signedManagementRequest(registry(), 'AmazonEC2ContainerRegistry_V20150921.PutLifecyclePolicy', { repositoryName: 'expiring/app', lifecyclePolicyText: JSON.stringify(policy) }));
    expect(put.status).toBe(200);
    const report = await registry().runLifecyclePolicies(new Date(Date.now() + 3 * 24 * 3600 * 1000));
    expect(report.expired).toContainEqual({ repository: 'expiring/app', digest: image.manifest.digest });
    expect(eventsOf(await receiver.waitFor(1))).toEqual([expect.objectContaining({ action: 'delete', target: expect.objectContaining({ repository: 'expiring/app', digest: image.manifest.digest }) })]);
  });
});
