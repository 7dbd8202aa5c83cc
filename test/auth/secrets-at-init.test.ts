import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { FAKE_AWS_CREDENTIALS, startFakeJsonService, type FakeJsonService } from '../support/fake-json-service.js';

/**
 * The Lambda entrypoints ask Secrets Manager for their secrets while the
 * function initialises, all at once, so the first request does not wait for
 * reads one after another. Secrets Manager is a fake here, answering
 * GetSecretValue as the service does, and recording what it was asked.
 */

let fake: FakeJsonService | undefined;

// Modules read the environment as they load: each test loads them afresh, as a new instance would.
beforeEach(() => vi.resetModules());
afterEach(async () => {
  vi.unstubAllEnvs();
  await fake?.stop();
  fake = undefined;
});

/** A fake Secrets Manager: AWSCURRENT of every secret, no AWSPREVIOUS. */
async function fakeSecretsManager(): Promise<{ url: string; asked: () => string[] }> {
  fake = await startFakeJsonService({ region: LOCAL_REGION, signingName: 'secretsmanager' }, ({ input }) => (input.VersionStage === 'AWSPREVIOUS'
    ? { status: 400, body: { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS" } }
    : { body: { ARN: input.SecretId, Name: 'secret', VersionId: randomUUID(), SecretString: randomBytes(32).toString('base64'), VersionStages: ['AWSCURRENT'] } }));
  const { calls } = fake;
  return { url: fake.url, asked: () => calls.map(({ input }) => `${String(input.SecretId)} ${String(input.VersionStage ?? 'AWSCURRENT')}`) };
}

function functionEnvironment(secretsUrl: string): void {
  for (const [name, value] of Object.entries({
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
    BERTH_ACCOUNT_ID: '000000000000',
    BERTH_TABLE: 'unused',
    BERTH_BUCKET: 'unused',
    BERTH_REGISTRY_HOST: 'registry.example.com',
    BERTH_TOKEN_SECRET_ARN: 'token-secret',
    BERTH_SEALING_SECRET_ARN: 'sealing-secret',
  })) vi.stubEnv(name, value);
}

describe('secrets read during a function\'s init', () => {
  it('the registry function asks for both versions of the token key before any request', async () => {
    const secrets = await fakeSecretsManager();
    functionEnvironment(secrets.url);
    await import('../../lambdas/registry/handler.js');
    await vi.waitFor(() => expect(secrets.asked().sort()).toEqual(['token-secret AWSCURRENT', 'token-secret AWSPREVIOUS']));
  });

  it('the management function asks for the sealing key and the token key at once, before any request', async () => {
    const secrets = await fakeSecretsManager();
    functionEnvironment(secrets.url);
    await import('../../lambdas/management/handler.js');
    await vi.waitFor(() => expect(secrets.asked().sort()).toEqual(['sealing-secret AWSCURRENT', 'token-secret AWSCURRENT', 'token-secret AWSPREVIOUS']));
  });
});
