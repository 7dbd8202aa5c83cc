import { describe, expect, it } from 'vitest';
import { isValidSignature, SIGNATURE_HEADER } from '../../lambdas/webhooks/signature.js';
import { useInProcessBerth } from '../support/in-process-berth.js';
import { ociImage } from '../support/oci.js';
import { clientOf } from '../support/registry.js';
import { startReceiver } from './receiver.js';
import { useEventsRegistry } from './registry.js';

/** berth webhook, in-process against the local registry, signed with its administrator's key from the environment. */

const registry = useEventsRegistry({ retryMs: 50, maxRetryMs: 100, giveUpMs: 1000 });
const run = useInProcessBerth(registry);
const berth = (...args: string[]) => run(args);

describe('berth webhook', () => {
  it('creates a webhook that receives signed pushes, lists it, tests it, shows its deliveries and deletes it', async () => {
    const receiver = await startReceiver();
    const secret = 'sixteen-chars-or-more';
    const created = await berth('webhook', 'create', receiver.url, '--events', 'push', '--repository-prefix', 'cli/', '--secret', secret, '--name', 'cli-hook');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Name:\s+cli-hook/);
    expect(created.stdout).not.toContain(secret);

    const listed = await berth('webhook', 'list');
    expect(listed.stdout).toMatch(new RegExp(`cli-hook\\s+${receiver.url.replace(/[/.]/g, '\\$&')}\\s+push\\s+cli/`));

    await clientOf(registry()).pushImage('cli/app', 'v1', ociImage());
    const [delivery] = await receiver.waitFor(1);
    expect(isValidSignature(delivery!.body, secret, delivery!.headers[SIGNATURE_HEADER] as string)).toBe(true);

    const tested = await berth('webhook', 'test', 'cli-hook');
    expect(tested.code).toBe(0);
    expect(tested.stdout).toContain('Delivered a test event to cli-hook (the receiver answered 200)');

    const history = await berth('webhook', 'deliveries', 'cli-hook');
    const rows = history.stdout.trim().split('\n').slice(1);
    expect(rows[0]).toMatch(/test\s+cli\/webhook-test:test\s+1\s+delivered\s+200/);
    expect(rows[1]).toMatch(/push\s+cli\/app:v1\s+1\s+delivered\s+200/);
    const json = await berth('webhook', 'deliveries', 'cli-hook', '--max', '1', '--json');
    expect((JSON.parse(json.stdout) as { deliveries: unknown[] }).deliveries).toHaveLength(1);

    expect((await berth('webhook', 'delete', 'cli-hook')).stdout).toContain('Deleted webhook cli-hook.');
    expect((await berth('webhook', 'list')).stdout).not.toContain('cli-hook');
  });

  it('prints a secret it made, once', async () => {
    const created = await berth('webhook', 'create', 'https://hooks.example.com/made');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Secret:\s+\S{16,}/);
    expect(created.stdout).toContain('shown only this once');
  });

  it('says why a test delivery failed, and exits 1', async () => {
    const receiver = await startReceiver(() => 503);
    await berth('webhook', 'create', receiver.url, '--name', 'failing-hook', '--repository-prefix', 'nothing/');
    const tested = await berth('webhook', 'test', 'failing-hook');
    expect(tested.code).toBe(1);
    expect(tested.stdout).toContain('The test event was not delivered to failing-hook: the receiver answered 503.');
  });

  it('refuses an events list it does not know before sending, and reports the registry\'s refusals', async () => {
    const events = await berth('webhook', 'create', 'https://hooks.example.com/', '--events', 'push,pull');
    expect(events.code).toBe(1);
    expect(events.stderr).toContain('berth: InvalidEvents: --events takes a comma-separated list of push, delete, not "pull"');

    const url = await berth('webhook', 'create', 'hooks.example.com');
    expect(url.code).toBe(1);
    expect(url.stderr).toMatch(/^berth: InvalidParameterException: .*url.*http:\/\/ or https:\/\//);

    const max = await berth('webhook', 'deliveries', 'any-hook', '--max', 'ten');
    expect(max.code).toBe(1);
    expect(max.stderr).toContain('berth: InvalidMax: --max takes a whole number from 1 to 100, not "ten"');
    const tooMany = await berth('webhook', 'deliveries', 'any-hook', '--max', '500');
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/^berth: ValidationException: .*maxResults/);

    const missing = await berth('webhook', 'deliveries', 'no-such-hook');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('berth: WebhookNotFoundException: The webhook with name \'no-such-hook\' does not exist');
  });
});
