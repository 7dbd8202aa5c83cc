import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { iamAuthorizerCaller } from '../../lambdas/management/auth/iam-caller.js';
import { parseEnvironment, parseJobsEnvironment, parseManagementEnvironment } from '../../lambdas/shared/config.js';
import { ConfigError } from '../../lambdas/shared/env-values.js';
import { requestFromEvent, resultFromResponse } from '../../lambdas/shared/http/apigw.js';

function event(overrides: Partial<APIGatewayProxyEventV2>): APIGatewayProxyEventV2 {
  return {
    version: '2.0', routeKey: '$default', rawPath: '/v2/', rawQueryString: '', headers: {}, isBase64Encoded: false,
    requestContext: { http: { method: 'GET' } } as APIGatewayProxyEventV2['requestContext'],
    ...overrides,
  };
}

describe('API Gateway v2 adapter', () => {
  it('decodes base64 bodies, percent-escapes, repeated query parameters and header case', () => {
    const request = requestFromEvent(event({
      rawPath: '/v2/a/manifests/sha256%3Aabc',
      rawQueryString: 'tag=a&tag=b',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.from([0, 255, 1]).toString('base64'),
      isBase64Encoded: true,
    }));
    expect(request.path).toBe('/v2/a/manifests/sha256:abc');
    expect(request.query.getAll('tag')).toEqual(['a', 'b']);
    expect(request.headers['content-type']).toBe('application/octet-stream');
    expect(request.body).toEqual(Buffer.from([0, 255, 1]));
  });

  it('returns bodies base64-encoded so they stay byte-exact, and joins repeated headers', () => {
    const result = resultFromResponse({ status: 201, headers: { a: '1' }, multiHeaders: { 'oci-tag': ['x', 'y'] }, body: Buffer.from([0xc3, 0x28]) });
    expect(result.isBase64Encoded).toBe(true);
    expect(Buffer.from(result.body!, 'base64')).toEqual(Buffer.from([0xc3, 0x28]));
    expect(result.headers).toEqual({ a: '1', 'oci-tag': 'x, y' });
  });
});

describe('the IAM authorizer\'s caller', () => {
  const base = { method: 'POST', path: '/iam', query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) };

  it('comes from the request context API Gateway fills in', async () => {
    const request = requestFromEvent(event({
      requestContext: { http: { method: 'POST' }, authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:role/ci', accountId: '123456789012' } } } as unknown as APIGatewayProxyEventV2['requestContext'],
    }));
    expect(await iamAuthorizerCaller(request)).toEqual({ arn: 'arn:aws:iam::123456789012:role/ci', accountId: '123456789012' });
  });

  it('is refused where no authorizer ran', async () => {
    await expect(iamAuthorizerCaller(base)).rejects.toMatchObject({ type: 'MissingAuthenticationTokenException' });
  });
});

describe('environment configuration', () => {
  const base = {
    AWS_REGION: 'eu-west-1', BERTH_ACCOUNT_ID: '123456789012', BERTH_TABLE: 't', BERTH_BUCKET: 'b',
    BERTH_REGISTRY_HOST: 'registry.example.com', BERTH_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:t',
  };

  it('parses defaults', () => {
    const config = parseEnvironment(base);
    expect(config.registry.createOnPush).toBe(false);
    expect(config.registry.downloadUrlSeconds).toBe(300);
    expect(config.tokenLifetimeSeconds).toBe(12 * 3600);
  });

  it('asks the management function for the sealing secret too', () => {
    expect(parseManagementEnvironment({ ...base, BERTH_SEALING_SECRET_ARN: 'arn:s' }).sealingSecretArn).toBe('arn:s');
    expect(() => parseManagementEnvironment(base)).toThrow(/BERTH_SEALING_SECRET_ARN is not set/);
  });

  it('asks the jobs function for its table only, and fails fast without it', () => {
    expect(parseJobsEnvironment({ AWS_REGION: 'eu-west-1', BERTH_TABLE: 't' })).toEqual({ region: 'eu-west-1', table: 't' });
    expect(() => parseJobsEnvironment({ AWS_REGION: 'eu-west-1' })).toThrow(/BERTH_TABLE is not set/);
  });

  it.each([
    [{ BERTH_TABLE: undefined }, /BERTH_TABLE is not set/],
    [{ BERTH_CREATE_ON_PUSH: 'yes' }, /BERTH_CREATE_ON_PUSH must be true or false/],
    [{ BERTH_DOWNLOAD_URL_SECONDS: '0' }, /BERTH_DOWNLOAD_URL_SECONDS must be a whole number/],
  ])('fails fast with an actionable message for %j', (override, message) => {
    expect(() => parseEnvironment({ ...base, ...override })).toThrow(ConfigError);
    expect(() => parseEnvironment({ ...base, ...override })).toThrow(message);
  });
});
