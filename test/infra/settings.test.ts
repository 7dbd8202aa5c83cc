import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../lib/registry.js';
import { CONTEXT_KEYS, settingsFromContext, SettingsError } from '../../lib/settings.js';
import { CERTIFICATE_ARN, FULL_CONTEXT, GATEWAY_CERTIFICATE_ARN, KMS_KEY_ARN, NO_BUNDLING, TOPIC_ARN } from './stacks.js';

const read = (context: Record<string, unknown>) => settingsFromContext((key) => context[key]);

describe('settings from CDK context', () => {
  it('default to a stack named Berth with every prop at its default', () => {
    expect(read({})).toEqual({ stackName: 'Berth' });
  });

  it('read every key, as strings from -c or as JSON values from cdk.json', () => {
    const expected = {
      stackName: 'Berth',
      domain: { domainName: 'registry.example.com', hostedZone: { id: 'Z0123456789ABCDEFGHIJ', name: 'example.com' } },
      createOnPush: true,
      tokenLifetimeSeconds: 3600,
      tokenKeyRotationDays: 7,
      downloadUrlSeconds: 120,
      removalPolicy: 'destroy',
      logRetentionDays: 30,
      kmsKeyArn: KMS_KEY_ARN,
      intelligentTiering: true,
      throttle: { rateLimit: 200, burstLimit: 400 },
      serverErrorRatePercent: 2,
      alarmTopicArn: TOPIC_ARN,
      uploadGateway: { domainName: 'push.example.com', certificateArn: GATEWAY_CERTIFICATE_ARN, minTasks: 2, maxTasks: 6 },
      reservedConcurrency: { registry: 100, management: 20, jobs: 1, rotation: 1 },
    };
    expect(read(FULL_CONTEXT)).toEqual(expected);
    const json = Object.fromEntries(Object.entries(FULL_CONTEXT).map(([key, value]) => [key, /^\d+$/.test(value) ? Number(value) : value === 'true' ? true : value]));
    expect(read(json)).toEqual(expected);
    expect(read({ domainName: 'r.example.com', certificateArn: CERTIFICATE_ARN }).domain).toEqual({ domainName: 'r.example.com', certificateArn: CERTIFICATE_ARN });
    expect(read({ uploadGateway: 'false' }).uploadGateway).toBe(false);
    expect(read({ uploadGateway: false }).uploadGateway).toBe(false);
    expect(read({ uploadGateway: 'true' })).toEqual({ stackName: 'Berth' });
    expect([...CONTEXT_KEYS].sort()).toEqual([...Object.keys(FULL_CONTEXT), 'stackName', 'certificateArn'].sort());
  });

  it.each([
    [{ createOnPush: 'yes' }, /createOnPush must be true or false/],
    [{ tokenLifetimeSeconds: '30' }, /tokenLifetimeSeconds must be a number from 60 to 604800/],
    [{ tokenLifetimeSeconds: '90.5' }, /tokenLifetimeSeconds must be a whole number/],
    [{ removalPolicy: 'snapshot' }, /removalPolicy must be retain or destroy/],
    [{ logRetentionDays: '45' }, /logRetentionDays must be one of CloudWatch Logs' retention periods/],
    [{ kmsKeyArn: 'alias/berth' }, /kmsKeyArn must be the ARN of a KMS key/],
    [{ alarmTopicArn: 'berth-alarms' }, /alarmTopicArn must be the ARN of an SNS topic/],
    [{ domainName: 'not a host' }, /domainName must be a host name/],
    [{ certificateArn: CERTIFICATE_ARN }, /need domainName/],
    [{ domainName: 'r.example.com', hostedZoneId: 'Z1' }, /hostedZoneId and hostedZoneName go together/],
    [{ domainName: 'r.example.com', certificateArn: 'arn:aws:iam::123456789012:role/x' }, /certificateArn must be an ACM certificate ARN/],
    [{ throttleRateLimit: '0' }, /throttleRateLimit must be a number from 1/],
    [{ uploadGateway: 'off' }, /uploadGateway must be true or false/],
    [{ uploadGateway: 'false', uploadGatewayMinTasks: '2' }, /uploadGateway=false turns the gateway off, so uploadGatewayMinTasks would do nothing/],
    [{ uploadGatewayDomainName: 'uploads' }, /uploadGatewayDomainName must be a host name such as uploads.registry.example.com/],
    [{ uploadGatewayCertificateArn: 'arn:aws:iam::123456789012:role/x' }, /uploadGatewayCertificateArn must be an ACM certificate ARN/],
    [{ uploadGatewayMinTasks: '0' }, /uploadGatewayMinTasks must be a number from 1 to 1000/],
    [{ uploadGatewayMinTasks: '3', uploadGatewayMaxTasks: '2' }, /uploadGatewayMaxTasks \(2\) must be at least uploadGatewayMinTasks \(3\)/],
    [{ registryReservedConcurrency: '0' }, /registryReservedConcurrency must be a number from 1 to 1000000/],
    [{ jobsReservedConcurrency: '1.5' }, /jobsReservedConcurrency must be a whole number/],
  ])('refuse %j with a message that names the key', (context, message) => {
    expect(() => read(context)).toThrow(SettingsError);
    expect(() => read(context)).toThrow(message);
  });
});

describe('Registry props', () => {
  const registry = (props: ConstructorParameters<typeof Registry>[2]) =>
    () => new Registry(new Stack(new App({ context: NO_BUNDLING }), 'S'), 'Registry', { uploadGateway: false, ...props });

  it('refuse tokens that would outlive the key that signed them', () => {
    expect(registry({ tokenLifetime: Duration.days(2), tokenKeyRotation: Duration.days(1) })).toThrow(/tokenKeyRotation \(1 day\) must be longer than tokenLifetime \(2 days\)/);
  });

  it('refuse lifetimes outside what the functions accept', () => {
    expect(registry({ tokenLifetime: Duration.days(8) })).toThrow(/tokenLifetime must be whole seconds from 1 minute to 7 days/);
    expect(registry({ downloadUrlLifetime: Duration.days(8) })).toThrow(/downloadUrlLifetime must be whole seconds from 1 second to 7 days/);
    expect(registry({ serverErrorRatePercent: 0 })).toThrow(/serverErrorRatePercent must be above 0/);
    expect(registry({ removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/use RETAIN or DESTROY/);
  });

  it('refuse a reserved concurrency that is not a whole number of 1 or more', () => {
    expect(registry({ reservedConcurrency: { management: 0 } })).toThrow(/reservedConcurrency.management must be a whole number of 1 or more \(leave it out to reserve none\), got 0/);
    expect(registry({ reservedConcurrency: { registry: 2.5 } })).toThrow(/reservedConcurrency.registry must be a whole number of 1 or more/);
  });
});
