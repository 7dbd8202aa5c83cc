import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators/local-aws.js';

/**
 * The Lambda entrypoints ask Secrets Manager for their secrets while the
 * function initialises, all at once, so the first request does not wait for
 * reads one after another. Secrets Manager is a fake here, answering
 * GetSecretValue as the service does, and recording what it was asked.
 */

let server: Server | undefined;

afterEach(async () => {
  vi.unstubAllEnvs();
  vi.resetModules();
  server?.close();
  await (server ? once(server, 'close') : undefined);
  server = undefined;
});

/** A fake Secrets Manager: AWSCURRENT of every secret, no AWSPREVIOUS. */
async function fakeSecretsManager(): Promise<{ url: string; asked: string[] }> {
  const asked: string[] = [];
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
      const input = JSON.parse(body) as { SecretId: string; VersionStage?: string };
      asked.push(`${input.SecretId} ${input.VersionStage ?? 'AWSCURRENT'}`);
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      if (input.VersionStage === 'AWSPREVIOUS') {
        response.statusCode = 400;
        response.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS" }));
        return;
      }
      response.end(JSON.stringify({ ARN: input.SecretId, Name: 'secret', VersionId: randomUUID(), SecretString: randomBytes(32).toString('base64'), VersionStages: ['AWSCURRENT'] }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

function functionEnvironment(secretsUrl: string): void {
  for (const [name, value] of Object.entries({
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
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
    await vi.waitFor(() => expect(secrets.asked.sort()).toEqual(['token-secret AWSCURRENT', 'token-secret AWSPREVIOUS']));
  });

  it('the management function asks for the sealing key and the token key at once, before any request', async () => {
    const secrets = await fakeSecretsManager();
    functionEnvironment(secrets.url);
    await import('../../lambdas/management/handler.js');
    await vi.waitFor(() => expect(secrets.asked.sort()).toEqual(['sealing-secret AWSCURRENT', 'token-secret AWSCURRENT', 'token-secret AWSPREVIOUS']));
  });
});
