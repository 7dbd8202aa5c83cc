import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBerthApi } from '../../cli/berth-api.js';
import type { RegistryTarget } from '../../cli/registry.js';

/**
 * The signed requests of Berth's own routes, as a server sees them: which path,
 * which SigV4 scope, which target; and how API Gateway's and Berth's refusals read.
 */

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'berth-api-'));
let server: Server;
let url: string;
let seen: Seen[] = [];
let reply: { status: number; headers?: Record<string, string>; body: string } = { status: 200, body: '{}' };

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
      seen.push({ method: request.method!, path: request.url!, headers: request.headers, body });
      response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body);
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((closed) => server.close(closed));
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  seen = [];
  reply = { status: 200, body: '{}' };
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'BERTH_DATA_DIR']) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(scratch, 'none'));
  vi.stubEnv('AWS_CONFIG_FILE', join(scratch, 'none'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAEXAMPLEEXAMPLE00');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
});
afterEach(() => vi.unstubAllEnvs());

/** The registry at the test server, as a local registry or as one behind API Gateway. */
const local = (): RegistryTarget => ({ url, local: true, signingService: 'ecr' });
const behindApiGateway = (): RegistryTarget => ({ url, local: false, signingService: 'execute-api' });

function scope(request: Seen): string {
  return /Credential=[^/]+\/\d{8}\/([^/]+\/[^/]+)\/aws4_request/.exec(String(request.headers.authorization))![1]!;
}

const authorizationData = (password: string, expiresAt = 2_000_000_000) =>
  JSON.stringify({ authorizationData: [{ authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'), expiresAt, proxyEndpoint: url }] });

describe('the token routes', () => {
  it('are POSTs to /iam/token and /iam/token/pull signed for execute-api, locally too', async () => {
    reply = { status: 200, body: authorizationData('pass:word') };
    const api = createBerthApi(local());
    const token = await api.loginToken({ pullOnly: false });
    expect(token).toMatchObject({ password: 'pass:word', expiresAt: new Date(2_000_000_000_000), proxyEndpoint: url });
    await api.loginToken({ pullOnly: true });
    expect(seen.map((request) => [request.method, request.path, scope(request), request.body])).toEqual([
      ['POST', '/iam/token', 'eu-west-1/execute-api', ''],
      ['POST', '/iam/token/pull', 'eu-west-1/execute-api', ''],
    ]);
    expect(seen[0]!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(await api.accessKeyId()).toBe('AKIAEXAMPLEEXAMPLE00');
  });

  it('refuse an answer without authorizationData as not Berth\'s', async () => {
    reply = { status: 200, body: '{"hello":"world"}' };
    await expect(createBerthApi(local()).loginToken({ pullOnly: false })).rejects.toMatchObject({ name: 'UnexpectedResponse' });
  });
});

describe('Berth\'s actions', () => {
  it('go to / signed for ecr locally, and to /iam signed for execute-api behind API Gateway, in JSON 1.1', async () => {
    reply = { status: 200, body: '{"accessKeys":[]}' };
    expect(await createBerthApi(local()).call('ListAccessKeys', {})).toEqual({ accessKeys: [] });
    await createBerthApi(behindApiGateway()).call('DeleteAccessKey', { accessKeyId: 'BKIA' });
    expect(seen.map((request) => [request.path, scope(request), request.headers['x-amz-target'], request.headers['content-type'], request.body])).toEqual([
      ['/', 'eu-west-1/ecr', 'Berth_V1.ListAccessKeys', 'application/x-amz-json-1.1', '{}'],
      ['/iam', 'eu-west-1/execute-api', 'Berth_V1.DeleteAccessKey', 'application/x-amz-json-1.1', '{"accessKeyId":"BKIA"}'],
    ]);
  });

  it('read refusals as Berth and API Gateway send them', async () => {
    reply = { status: 400, headers: { 'x-amzn-errortype': 'AccessKeyNotFoundException' }, body: '{"__type":"AccessKeyNotFoundException","message":"no access key BKIA"}' };
    await expect(createBerthApi(local()).call('DeleteAccessKey', {})).rejects.toMatchObject({ name: 'AccessKeyNotFoundException', message: 'no access key BKIA', status: 400 });

    // API Gateway's IAM authorizer: the type in the header (with a URL after a colon), the message capitalized.
    reply = {
      status: 403,
      headers: { 'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/' },
      body: '{"Message":"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: execute-api:Invoke"}',
    };
    await expect(createBerthApi(behindApiGateway()).loginToken({ pullOnly: false })).rejects.toMatchObject({
      name: 'AccessDeniedException', message: expect.stringContaining('is not authorized to perform: execute-api:Invoke'),
    });

    reply = { status: 400, body: '{"__type":"com.amazonaws.ecr#ValidationException","message":"bad"}' };
    await expect(createBerthApi(local()).call('CreateAccessKey', {})).rejects.toMatchObject({ name: 'ValidationException' });

    reply = { status: 404, headers: { 'content-type': 'text/html' }, body: '<p>Not here</p>' };
    await expect(createBerthApi(local()).call('ListAccessKeys', {})).rejects.toMatchObject({
      name: 'UnexpectedResponse', message: `${url} did not answer in ECR's protocol (HTTP 404); is it a Berth registry?`,
    });
  });

  it('sign for the region of an API Gateway URL', async () => {
    const api = createBerthApi({ url: 'https://abc123.execute-api.ap-south-1.amazonaws.com', local: false, signingService: 'execute-api' });
    expect(await api.region()).toBe('ap-south-1');
  });
});
