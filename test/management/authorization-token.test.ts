import { expect, it } from 'vitest';
import { awsCli, ecrCli } from '../support/aws-cli.js';
import { RegistryClient } from '../support/client.js';
import { useRegistry } from '../support/registry.js';
import { describeWith } from '../support/tools.js';

const registry = useRegistry();
describeWith([awsCli], 'GetAuthorizationToken with the AWS CLI', () => {
  it('answers get-authorization-token in ECR\'s shape', async () => {
    const result = await ecrCli(registry())('get-authorization-token');
    expect(result.code, result.stderr).toBe(0);
    const [data] = result.json().authorizationData;
    expect(data.proxyEndpoint).toBe(registry().url);
    expect(Buffer.from(data.authorizationToken, 'base64').toString()).toMatch(/^AWS:[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(new Date(data.expiresAt).getTime() - Date.now()).toBeGreaterThan(11 * 3600 * 1000);
  });

  it('gives a password from get-login-password that signs in to /v2/', async () => {
    const result = await ecrCli(registry())('get-login-password');
    expect(result.code, result.stderr).toBe(0);
    const password = result.stdout.toString().trim();
    const client = new RegistryClient(registry().url, async () => `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`);
    expect((await client.request('GET', '/v2/')).status).toBe(200);
  });
});
