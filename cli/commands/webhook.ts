import { stringOption, type Command } from '../command.js';
import { CliError } from '../errors.js';
import { fields, formatDate, table } from '../output.js';

/**
 * berth webhook create|list|delete|test|deliveries: Berth's webhook actions. Receivers get
 * pushes and deletes in distribution's notification envelope, signed (docs/events-and-webhooks.md).
 */

interface Webhook {
  name: string;
  url: string;
  events: string[];
  repositoryPrefix?: string;
  /** Epoch seconds, as ECR's JSON protocol sends timestamps. */
  createdAt: number;
}

interface Delivery {
  eventId: string;
  action: string;
  repository: string;
  digest?: string;
  tag?: string;
  attempt: number;
  at: number;
  outcome: string;
  status?: number;
  error?: string;
}

const EVENT_TYPES = ['push', 'delete'];

function dateOf(epochSeconds: number): string | undefined {
  return formatDate(new Date(epochSeconds * 1000));
}

/** `push,delete` as a list; refused here, before anything is sent, when it names something else. */
function eventsOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const events = value.split(',').map((event) => event.trim());
  const unknown = events.find((event) => !EVENT_TYPES.includes(event));
  if (unknown !== undefined) throw new CliError('InvalidEvents', `--events takes a comma-separated list of ${EVENT_TYPES.join(', ')}, not ${JSON.stringify(unknown)}`);
  return events;
}

function imageOf(delivery: Delivery): string {
  return `${delivery.repository}${delivery.tag === undefined ? `@${delivery.digest ?? ''}` : `:${delivery.tag}`}`;
}

function deliveryRow(delivery: Delivery): (string | undefined)[] {
  return [dateOf(delivery.at), delivery.action, imageOf(delivery), String(delivery.attempt), delivery.outcome, delivery.error ?? (delivery.status === undefined ? undefined : String(delivery.status))];
}

const DELIVERY_HEADERS = ['At', 'Event', 'Image', 'Attempt', 'Outcome', 'Status or error'];

const create: Command = {
  name: ['webhook', 'create'],
  args: ['URL'],
  synopsis: '[--events push,delete] [--repository-prefix P] [--secret S] [--name NAME]',
  summary: 'Subscribes URL to pushes and deletes, delivered in distribution\'s notification envelope and signed with the secret.',
  options: {
    events: { type: 'string', value: 'push,delete', description: 'what the webhook receives (default: both)' },
    'repository-prefix': { type: 'string', value: 'P', description: 'only repositories whose names start with P' },
    secret: { type: 'string', value: 'S', description: 'signs each delivery (HMAC-SHA256, 16 characters or more); without it one is made and printed once' },
    name: { type: 'string', value: 'NAME', description: 'the webhook\'s name (default: webhook- and a random suffix)' },
  },
  async run(input, { api }) {
    const [url] = input.positionals as [string];
    const events = eventsOf(stringOption(input, 'events'));
    const repositoryPrefix = stringOption(input, 'repository-prefix');
    const secret = stringOption(input, 'secret');
    const name = stringOption(input, 'name');
    const response = await api().call('CreateWebhook', {
      url,
      ...(events === undefined ? {} : { events }),
      ...(repositoryPrefix === undefined ? {} : { repositoryPrefix }),
      ...(secret === undefined ? {} : { secret }),
      ...(name === undefined ? {} : { name }),
    });
    const webhook = response.webhook as Webhook;
    const made = response.secret as string | undefined;
    return {
      data: response,
      text: () => [
        fields([
          ['Name', webhook.name],
          ['URL', webhook.url],
          ['Events', webhook.events.join(',')],
          ['Repository prefix', webhook.repositoryPrefix],
          ['Secret', made],
        ]),
        ...(made === undefined ? [] : ['', 'The secret is shown only this once: the receiver checks each delivery\'s X-Berth-Signature-256 header with it.']),
      ].join('\n'),
    };
  },
};

const list: Command = {
  name: ['webhook', 'list'],
  args: [],
  summary: 'Lists the webhooks, without their secrets.',
  async run(_input, { api }) {
    const response = await api().call('ListWebhooks', {});
    const webhooks = (response.webhooks ?? []) as Webhook[];
    return {
      data: response,
      text: () => table(['Name', 'URL', 'Events', 'Repository prefix', 'Created'], webhooks.map((webhook) => [
        webhook.name, webhook.url, webhook.events.join(','), webhook.repositoryPrefix, dateOf(webhook.createdAt),
      ])),
    };
  },
};

const remove: Command = {
  name: ['webhook', 'delete'],
  args: ['NAME'],
  summary: 'Deletes a webhook and its delivery history: nothing more is delivered to it.',
  async run(input, { api }) {
    const [name] = input.positionals as [string];
    const response = await api().call('DeleteWebhook', { name });
    return { data: response, text: () => `Deleted webhook ${name}.` };
  },
};

const test: Command = {
  name: ['webhook', 'test'],
  args: ['NAME'],
  summary: 'Delivers a test event (a push of tag test to webhook-test under the prefix) once, now, and shows how it went.',
  async run(input, { api }) {
    const [name] = input.positionals as [string];
    const response = await api().call('TestWebhook', { name });
    const delivery = response.delivery as Delivery;
    return {
      data: response,
      text: () => (delivery.outcome === 'delivered'
        ? `Delivered a test event to ${name} (the receiver answered ${delivery.status}).`
        : `The test event was not delivered to ${name}: ${delivery.error}.`),
      ...(delivery.outcome === 'delivered' ? {} : { problems: [`webhook ${name}: ${delivery.error}`] }),
    };
  },
};

const deliveries: Command = {
  name: ['webhook', 'deliveries'],
  args: ['NAME'],
  synopsis: '[--max N]',
  summary: 'Shows the latest delivery attempts, newest first: delivered, failed (to be retried) or dead (given up).',
  options: {
    max: { type: 'string', value: 'N', description: 'how many attempts to show, 1 to 100 (default 20)' },
  },
  async run(input, { api }) {
    const [name] = input.positionals as [string];
    const max = stringOption(input, 'max');
    if (max !== undefined && !/^\d+$/.test(max)) throw new CliError('InvalidMax', `--max takes a whole number from 1 to 100, not ${JSON.stringify(max)}`);
    const response = await api().call('ListWebhookDeliveries', { name, ...(max === undefined ? {} : { maxResults: Number(max) }) });
    const attempts = (response.deliveries ?? []) as Delivery[];
    return { data: response, text: () => table(DELIVERY_HEADERS, attempts.map(deliveryRow)) };
  },
};

export const WEBHOOK_COMMANDS: readonly Command[] = [create, list, remove, test, deliveries];
