import { describe, expect, it } from 'vitest';
import { stsEndpointFor } from '../../cli/aws-identity.js';
import { callerIdentityOf, stsFaultOf } from '../../lambdas/auth/sts-response.js';
import { parseManagementEnvironment, parseStsSettings } from '../../lambdas/shared/config.js';

/** Where the registry verifies identities, where the CLI signs for, and what the registry reads of STS's answers. */

const FUNCTION_ENV = {
  AWS_REGION: 'eu-west-1',
  BERTH_ACCOUNT_ID: '123456789012',
  BERTH_TABLE: 'table',
  BERTH_BUCKET: 'bucket',
  BERTH_REGISTRY_HOST: 'registry.example.com',
  BERTH_TOKEN_SECRET_ARN: 'token-secret',
  BERTH_SEALING_SECRET_ARN: 'sealing-secret',
};

describe('BERTH_STS_ENDPOINT, BERTH_STS_REQUEST_MAX_AGE_SECONDS and BERTH_STS_TIMEOUT_SECONDS', () => {
  it('give the management function its STS endpoint, the requests\' allowed age (5 minutes by default) and STS\'s time to answer (5 s)', () => {
    expect(parseManagementEnvironment({ ...FUNCTION_ENV, BERTH_STS_ENDPOINT: 'https://sts.eu-west-1.amazonaws.com' }).sts)
      .toEqual({ endpoint: 'https://sts.eu-west-1.amazonaws.com', maxAgeSeconds: 300, timeoutSeconds: 5 });
    expect(parseStsSettings({ BERTH_STS_ENDPOINT: 'http://127.0.0.1:4599', BERTH_STS_REQUEST_MAX_AGE_SECONDS: '60', BERTH_STS_TIMEOUT_SECONDS: '2' }))
      .toEqual({ endpoint: 'http://127.0.0.1:4599', maxAgeSeconds: 60, timeoutSeconds: 2 });
    expect(parseManagementEnvironment(FUNCTION_ENV).sts).toBeUndefined();
  });

  it('refuse an endpoint that is not HTTPS (but on this machine), or has a path, and an age out of range', () => {
    expect(() => parseStsSettings({ BERTH_STS_ENDPOINT: 'http://sts.eu-west-1.amazonaws.com' }))
      .toThrow('BERTH_STS_ENDPOINT must be an https:// URL with no path, such as https://sts.eu-west-1.amazonaws.com, got "http://sts.eu-west-1.amazonaws.com"');
    expect(() => parseStsSettings({ BERTH_STS_ENDPOINT: 'https://sts.eu-west-1.amazonaws.com/path' })).toThrow(/must be an https:\/\/ URL with no path/);
    expect(() => parseStsSettings({ BERTH_STS_ENDPOINT: 'https://sts.eu-west-1.amazonaws.com', BERTH_STS_REQUEST_MAX_AGE_SECONDS: '901' }))
      .toThrow('BERTH_STS_REQUEST_MAX_AGE_SECONDS must be a whole number of seconds from 1 to 900, got "901"');
    expect(() => parseStsSettings({ BERTH_STS_ENDPOINT: 'https://sts.eu-west-1.amazonaws.com', BERTH_STS_TIMEOUT_SECONDS: '30' }))
      .toThrow('BERTH_STS_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 25, got "30"');
  });
});

describe('the STS endpoint the CLI signs for', () => {
  it('is the registry region\'s, in China\'s domain there, unless AWS_ENDPOINT_URL_STS names another', () => {
    expect(stsEndpointFor('eu-west-1', {})).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(stsEndpointFor('cn-north-1', {})).toBe('https://sts.cn-north-1.amazonaws.com.cn');
    expect(stsEndpointFor('us-gov-west-1', {})).toBe('https://sts.us-gov-west-1.amazonaws.com');
    expect(stsEndpointFor('eu-west-1', { AWS_ENDPOINT_URL_STS: 'https://vpce-0123.sts.eu-west-1.vpce.amazonaws.com/' }))
      .toBe('https://vpce-0123.sts.eu-west-1.vpce.amazonaws.com');
  });
});

describe('STS\'s answers', () => {
  const answer = (arn: string, account: string) => `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AROAEXAMPLE:s</UserId><Account>${account}</Account></GetCallerIdentityResult>
  <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

  it('name the caller, in any partition', () => {
    expect(callerIdentityOf(answer('arn:aws-cn:sts::222233334444:assumed-role/puller/s', '222233334444')))
      .toEqual({ arn: 'arn:aws-cn:sts::222233334444:assumed-role/puller/s', accountId: '222233334444' });
  });

  it('are not taken when the ARN\'s account is not the one named, or either is missing', () => {
    expect(callerIdentityOf(answer('arn:aws:iam::111122223333:user/admin', '222233334444'))).toBeUndefined();
    expect(callerIdentityOf(answer('not-an-arn', '222233334444'))).toBeUndefined();
    expect(callerIdentityOf('<html>proxy error</html>')).toBeUndefined();
  });

  it('give the error\'s type, code and message, XML escapes undone', () => {
    const fault = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>
      <Message>User &lt;x&gt; &amp; co</Message></Error><RequestId>id</RequestId></ErrorResponse>`;
    expect(stsFaultOf(fault)).toEqual({ type: 'Sender', code: 'AccessDenied', message: 'User <x> & co' });
    expect(stsFaultOf('<Error><Code>X</Code></Error>')).toBeUndefined();
  });
});
