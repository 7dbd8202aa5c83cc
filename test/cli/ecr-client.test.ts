import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeRepositoriesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEcrClient } from '../../cli/ecr-client.js';
import { UsageError } from '../../cli/errors.js';
import { resolveRegistry } from '../../cli/registry.js';

const scratch = mkdtempSync(join(tmpdir(), 'berth-cli-client-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('which registry', () => {
  it('takes --registry, then BERTH_REGISTRY, then the local default', () => {
    expect(resolveRegistry('https://flag.example.com', { BERTH_REGISTRY: 'https://env.example.com' }).url).toBe('https://flag.example.com');
    expect(resolveRegistry(undefined, { BERTH_REGISTRY: 'https://env.example.com' })).toEqual({ url: 'https://env.example.com', local: false, signingService: 'execute-api' });
    // Where npm start serves it.
    expect(resolveRegistry(undefined, { BERTH_REGISTRY: '' })).toEqual({ url: 'http://127.0.0.1:5000', local: true, signingService: 'ecr' });
  });

  it('signs for ecr on this machine and for execute-api elsewhere', () => {
    for (const url of ['http://localhost:5000', 'http://127.0.0.1', 'http://127.8.9.10:80', 'http://[::1]:5000', 'http://registry.localhost']) {
      expect(resolveRegistry(url, {}), url).toMatchObject({ local: true, signingService: 'ecr' });
    }
    for (const url of ['https://abc123.execute-api.eu-west-1.amazonaws.com', 'https://registry.example.com', 'http://128.0.0.1', 'http://10.0.0.5:5000']) {
      expect(resolveRegistry(url, {}), url).toMatchObject({ local: false, signingService: 'execute-api' });
    }
  });

  it('reads a bare host as http:// on this machine and https:// elsewhere, and refuses what is not an http(s) URL', () => {
    expect(resolveRegistry('127.0.0.1:5000', {}).url).toBe('http://127.0.0.1:5000');
    expect(resolveRegistry('localhost:5000', {}).url).toBe('http://localhost:5000');
    expect(resolveRegistry('registry.example.com', {}).url).toBe('https://registry.example.com');
    expect(resolveRegistry('https://api.example.com/prod/', {}).url).toBe('https://api.example.com/prod');
    expect(() => resolveRegistry('ftp://example.com', {})).toThrow(UsageError);
    expect(() => resolveRegistry('https://example.com/?x=1', {})).toThrow(UsageError);
    expect(() => resolveRegistry('http://', {})).toThrow(UsageError);
  });
});

/** The credential scope (key/date/region/service) of the request the client would send, captured after signing. */
async function signedScope(client: ECRClient): Promise<{ accessKeyId: string; region: string; service: string; url: string }> {
  const captured = new Error('captured');
  let scope: { accessKeyId: string; region: string; service: string; url: string } | undefined;
  client.middlewareStack.add((_next) => async (args) => {
    const request = args.request as { headers: Record<string, string>; protocol: string; hostname: string; port?: number; path: string };
    const [, accessKeyId, region, service] = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(request.headers.authorization!)!;
    scope = { accessKeyId: accessKeyId!, region: region!, service: service!, url: `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}` };
    throw captured;
  }, { step: 'finalizeRequest', priority: 'low' });
  await expect(client.send(new DescribeRepositoriesCommand({}))).rejects.toBe(captured);
  return scope!;
}

describe('the ECR client', () => {
  beforeEach(() => {
    for (const name of ['AWS_PROFILE', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'BERTH_DATA_DIR']) vi.stubEnv(name, undefined);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(scratch, 'none'));
    vi.stubEnv('AWS_CONFIG_FILE', join(scratch, 'none'));
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  });
  afterEach(() => vi.unstubAllEnvs());

  it('signs for execute-api in the region of an API Gateway URL, with the default chain\'s credentials', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAEXAMPLEEXAMPLE00');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_REGION', 'us-west-2');
    const client = createEcrClient(resolveRegistry('https://abc123.execute-api.eu-west-1.amazonaws.com', {}));
    expect(await signedScope(client)).toEqual({
      accessKeyId: 'AKIAEXAMPLEEXAMPLE00', region: 'eu-west-1', service: 'execute-api', url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/iam/',
    });
  });

  it('signs for execute-api in AWS_REGION behind a custom domain, and asks for a region when there is none', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAEXAMPLEEXAMPLE00');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_REGION', 'ap-southeast-2');
    expect(await signedScope(createEcrClient(resolveRegistry('https://registry.example.com', {}))))
      .toMatchObject({ region: 'ap-southeast-2', service: 'execute-api' });

    vi.stubEnv('AWS_REGION', undefined);
    await expect(createEcrClient(resolveRegistry('https://registry.example.com', {})).send(new DescribeRepositoriesCommand({})))
      .rejects.toMatchObject({ name: 'MissingRegion', hint: expect.stringContaining('AWS_REGION') });
  });

  it('signs for ecr in us-east-1 for a local registry, with the data directory\'s key when nothing else is configured', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    writeFileSync(join(dataDir, 'credentials'), '[default]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n[berth-local]\naws_access_key_id = AKIALOCALADMIN\naws_secret_access_key = y\n');
    vi.stubEnv('BERTH_DATA_DIR', dataDir);
    expect(await signedScope(createEcrClient(resolveRegistry('http://127.0.0.1:5000', {})))).toEqual({
      accessKeyId: 'AKIALOCALADMIN', region: 'us-east-1', service: 'ecr', url: 'http://127.0.0.1:5000/',
    });

    // Configured credentials and region win, even locally.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAFROMENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'z');
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    expect(await signedScope(createEcrClient(resolveRegistry('http://localhost:5000', {})))).toMatchObject({
      accessKeyId: 'AKIAFROMENV', region: 'eu-central-1', service: 'ecr',
    });
  });

  it('uses no local key for a registry elsewhere', async () => {
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    writeFileSync(join(dataDir, 'credentials'), '[berth-local]\naws_access_key_id = AKIALOCALADMIN\naws_secret_access_key = y\n');
    vi.stubEnv('BERTH_DATA_DIR', dataDir);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    await expect(createEcrClient(resolveRegistry('https://registry.example.com', {})).send(new DescribeRepositoriesCommand({})))
      .rejects.toMatchObject({ name: 'CredentialsProviderError' });
  });
});
