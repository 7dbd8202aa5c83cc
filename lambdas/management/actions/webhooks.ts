import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ImageEvent } from '../../events/registry-event.js';
import { WEBHOOK_EVENT_TYPES, type DeliveryRecord, type WebhookEventType, type WebhookRecord } from '../../store/webhook-store.js';
import type { Action, ActionContext } from '../context.js';
import { EcrError } from '../errors.js';
import { epochSeconds } from '../views.js';
import { invalidParameter, optionalInteger, optionalList, optionalString, requiredString } from '../validation.js';
import { requireAdministrator } from './access-keys.js';

/**
 * Berth's webhook actions, under its own target prefix: subscriptions that receive pushes
 * and deletes in distribution's notification envelope (lambdas/webhooks). Administrators only,
 * as for access keys: a webhook sees every repository it matches.
 */

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
const MAX_URL_CHARS = 2048;
const DEFAULT_DELIVERIES = 20;

function nameOf(context: ActionContext): string {
  return requiredString(context.input, 'name', { pattern: NAME });
}

function urlOf(context: ActionContext): string {
  const text = requiredString(context.input, 'url', { min: 1, max: MAX_URL_CHARS });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidParameter('url', 'must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidParameter('url', 'must be an absolute http:// or https:// URL');
  // Credentials in a URL would be listed back to every administrator; a secret signs deliveries instead.
  if (url.username !== '' || url.password !== '') throw invalidParameter('url', 'must not carry a user name or password; deliveries are signed with the secret');
  return url.toString();
}

function eventsOf(context: ActionContext): WebhookEventType[] {
  const list = optionalList(context.input, 'events', { min: 1, max: WEBHOOK_EVENT_TYPES.length });
  if (list === undefined) return [...WEBHOOK_EVENT_TYPES];
  const unknown = list.find((item) => !WEBHOOK_EVENT_TYPES.includes(item as WebhookEventType));
  if (unknown !== undefined) throw invalidParameter('events', `each event must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}, not ${JSON.stringify(unknown)}`);
  return [...new Set(list as WebhookEventType[])];
}

function webhookView(record: WebhookRecord): Record<string, unknown> {
  return {
    name: record.name,
    url: record.url,
    events: record.events,
    ...(record.repositoryPrefix === undefined ? {} : { repositoryPrefix: record.repositoryPrefix }),
    createdAt: epochSeconds(record.createdAt),
  };
}

function deliveryView(record: DeliveryRecord): Record<string, unknown> {
  const { expiresAt: _expiresAt, at, ...rest } = record;
  return { ...rest, at: epochSeconds(at) };
}

function notFound(name: string): EcrError {
  return new EcrError('WebhookNotFoundException', `The webhook with name '${name}' does not exist`);
}

async function requireWebhook(context: ActionContext, name: string): Promise<WebhookRecord> {
  const record = await context.services.webhooks.store.getWebhook(name);
  if (!record) throw notFound(name);
  return record;
}

/** Without a secret given, one is made and returned once, as an access key's is. */
export const createWebhook: Action = async (context) => {
  requireAdministrator(context, 'webhooks');
  const url = urlOf(context);
  const events = eventsOf(context);
  const repositoryPrefix = optionalString(context.input, 'repositoryPrefix', { min: 1, max: 256 });
  const given = optionalString(context.input, 'secret', { min: 16, max: 256 });
  const name = context.input.name === undefined ? `webhook-${randomBytes(4).toString('hex')}` : nameOf(context);
  const record: WebhookRecord = {
    name, url, events, secret: given ?? randomBytes(24).toString('base64url'),
    ...(repositoryPrefix === undefined ? {} : { repositoryPrefix }),
    createdAt: context.services.now().toISOString(),
  };
  if (!(await context.services.webhooks.store.createWebhook(record))) {
    throw new EcrError('WebhookAlreadyExistsException', `The webhook with name '${name}' already exists`);
  }
  return { webhook: webhookView(record), ...(given === undefined ? { secret: record.secret } : {}) };
};

export const listWebhooks: Action = async (context) => {
  requireAdministrator(context, 'webhooks');
  return { webhooks: (await context.services.webhooks.store.listWebhooks()).map(webhookView) };
};

export const deleteWebhook: Action = async (context) => {
  requireAdministrator(context, 'webhooks');
  const record = await requireWebhook(context, nameOf(context));
  if (!(await context.services.webhooks.store.deleteWebhook(record.name))) throw notFound(record.name);
  return { webhook: webhookView(record) };
};

/**
 * Delivers a test event once, now, and answers how it went; it is not retried. It is shaped
 * as a push of tag `test` to `<repositoryPrefix>webhook-test`, which no real push makes
 * unnoticed, so that receivers parse it as they would a real one.
 */
export const testWebhook: Action = async (context) => {
  requireAdministrator(context, 'webhooks');
  const record = await requireWebhook(context, nameOf(context));
  const body = '{}';
  const event: ImageEvent = {
    kind: 'image', id: randomUUID(), time: context.services.now().toISOString(), action: 'PUSH',
    repository: `${record.repositoryPrefix ?? ''}webhook-test`,
    digest: `sha256:${createHash('sha256').update(body).digest('hex')}`,
    tag: 'test',
    manifest: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: body.length },
  };
  const delivery = await context.services.webhooks.attempt(record, event, 1, () => false, 'test');
  return { delivery: deliveryView(delivery) };
};

export const listWebhookDeliveries: Action = async (context) => {
  requireAdministrator(context, 'webhooks');
  const name = nameOf(context);
  const limit = optionalInteger(context.input, 'maxResults', 1, 100) ?? DEFAULT_DELIVERIES;
  const record = await requireWebhook(context, name);
  return { deliveries: (await context.services.webhooks.store.listDeliveries(record.name, limit)).map(deliveryView) };
};

export const WEBHOOK_ACTIONS: Record<string, Action> = {
  CreateWebhook: createWebhook,
  ListWebhooks: listWebhooks,
  DeleteWebhook: deleteWebhook,
  TestWebhook: testWebhook,
  ListWebhookDeliveries: listWebhookDeliveries,
};
