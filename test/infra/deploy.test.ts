import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../lib/registry.js';
import {
  berthStack, CERTIFICATE_ARN, FULL_CONTEXT, functionId, GATEWAY_CERTIFICATE_ARN, KMS_KEY_ARN, logicalId, NO_BUNDLING, NO_GATEWAY, resource, TOPIC_ARN,
} from './stacks.js';

type Json = Record<string, any>;

const DESTROY = { ...NO_GATEWAY, removalPolicy: 'destroy' };

describe('the stack\'s outputs', () => {
  it('name the region, which ECR tooling signs for and a custom domain hides', () => {
    const { template } = berthStack({ domainName: 'registry.example.com' });
    const output = (template.toJSON().Outputs as Json).Region;
    expect(output.Value).toEqual({ Ref: 'AWS::Region' });
    expect(output.Description).toMatch(/ECR tooling signs for it/);
  });

  it('name the access-log bucket, and say whether it goes with the stack', () => {
    for (const [context, fate] of [[NO_GATEWAY, /kept/], [DESTROY, /emptied and deleted with the stack/]] as const) {
      const { template } = berthStack(context);
      const logs = logicalId(template, 'AWS::S3::Bucket', (properties) => properties.LoggingConfiguration === undefined);
      const output = (template.toJSON().Outputs as Json).AccessLogsBucketName;
      expect(output.Value).toEqual({ Ref: logs });
      expect(output.Description).toMatch(fate);
    }
  });
});

describe('partitions', () => {
  const given = [KMS_KEY_ARN, TOPIC_ARN, CERTIFICATE_ARN, GATEWAY_CERTIFICATE_ARN];

  it.each([
    ['no custom domain', NO_GATEWAY],
    ['a custom domain and the upload gateway', { domainName: 'registry.example.com' }],
    ['every option', FULL_CONTEXT],
  ])('hard-code no aws partition in ARNs with %s: the template works in GovCloud and China', (_, context) => {
    let json = JSON.stringify(berthStack(context).template.toJSON());
    // ARNs the deployer gave are theirs, of their partition.
    for (const arn of given) json = json.split(arn).join('');
    expect(json).not.toMatch(/arn:aws[\w-]*:/);
    expect(json).toContain('AWS::Partition');
  });
});

describe('reserved concurrency', () => {
  const reserved = (template: Template, role: Parameters<typeof functionId>[1]) =>
    resource(template, functionId(template, role)).Properties.ReservedConcurrentExecutions;

  it('is none by default, so a new account whose concurrency quota is 10 can deploy', () => {
    const { template } = berthStack(NO_GATEWAY);
    for (const role of ['registry', 'management', 'jobs', 'rotation'] as const) expect(reserved(template, role)).toBeUndefined();
  });

  it('is set per function from the context keys', () => {
    const { template } = berthStack({ ...NO_GATEWAY, registryReservedConcurrency: '50', jobsReservedConcurrency: '1' });
    expect(reserved(template, 'registry')).toBe(50);
    expect(reserved(template, 'jobs')).toBe(1);
    expect(reserved(template, 'management')).toBeUndefined();
    expect(reserved(template, 'rotation')).toBeUndefined();
    const { template: full } = berthStack(FULL_CONTEXT);
    expect([reserved(full, 'registry'), reserved(full, 'management'), reserved(full, 'jobs'), reserved(full, 'rotation')]).toEqual([100, 20, 1, 1]);
  });

  it('is set per function by the construct\'s props', () => {
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'S');
    new Registry(stack, 'Registry', { uploadGateway: false, reservedConcurrency: { management: 5, rotation: 2 } });
    const template = Template.fromStack(stack);
    expect(reserved(template, 'management')).toBe(5);
    expect(reserved(template, 'rotation')).toBe(2);
    expect(reserved(template, 'registry')).toBeUndefined();
  });
});

describe('the API access logs', () => {
  it('go to a log group under /aws/vendedlogs/, named for the stack and the API', () => {
    const { template } = berthStack(NO_GATEWAY);
    const api = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0]!;
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage') as Json)[0];
    const group = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    expect(resource(template, group).Properties.LogGroupName).toEqual({ 'Fn::Join': ['', ['/aws/vendedlogs/apigateway/Berth/', { Ref: api }, '/access-logs']] });
  });
});

describe('removal', () => {
  const bucketIds = (template: Template) => ({
    blobs: logicalId(template, 'AWS::S3::Bucket', (properties) => properties.LoggingConfiguration !== undefined),
    logs: logicalId(template, 'AWS::S3::Bucket', (properties) => properties.LoggingConfiguration === undefined),
  });

  it('with retain keeps both buckets, with their objects, and adds nothing that deletes them', () => {
    const { template } = berthStack(NO_GATEWAY);
    const { blobs, logs } = bucketIds(template);
    expect([resource(template, blobs).DeletionPolicy, resource(template, logs).DeletionPolicy]).toEqual(['Retain', 'Retain']);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('with destroy empties both buckets before deleting them, and leaves no log group of the emptying behind', () => {
    const { template } = berthStack(DESTROY);
    const { blobs, logs } = bucketIds(template);
    const emptiers = Object.values(template.findResources('Custom::S3AutoDeleteObjects') as Json);
    expect(emptiers.map((emptier) => emptier.Properties.BucketName).sort((a, b) => a.Ref.localeCompare(b.Ref)))
      .toEqual([{ Ref: blobs }, { Ref: logs }].sort((a, b) => a.Ref.localeCompare(b.Ref)));
    expect([resource(template, blobs).DeletionPolicy, resource(template, logs).DeletionPolicy]).toEqual(['Delete', 'Delete']);

    // The emptying function's log group exists before it first runs and is deleted after it last runs.
    const handler = emptiers[0].Properties.ServiceToken['Fn::GetAtt'][0];
    const group = logicalId(template, 'AWS::Logs::LogGroup', (properties) => JSON.stringify(properties.LogGroupName ?? '').includes(handler));
    expect(resource(template, group).Properties.LogGroupName).toEqual({
      'Fn::Join': ['', ['/aws/lambda/', { 'Fn::Select': [6, { 'Fn::Split': [':', { 'Fn::GetAtt': [handler, 'Arn'] }] }] }]],
    });
    expect(resource(template, group).DeletionPolicy).toBe('Delete');
    for (const emptier of emptiers) expect(emptier.DependsOn).toContain(group);
  });

  it('with destroy deletes every log group and secret, and turns the table\'s deletion protection off', () => {
    const { template } = berthStack({ ...FULL_CONTEXT, removalPolicy: 'destroy' });
    for (const type of ['AWS::Logs::LogGroup', 'AWS::SecretsManager::Secret', 'AWS::DynamoDB::Table', 'AWS::S3::Bucket']) {
      const kept = Object.entries(template.findResources(type) as Json).filter(([, found]) => found.DeletionPolicy !== 'Delete');
      expect(kept.map(([id]) => id)).toEqual([]);
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });
});
