import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { Registry, type RegistryProps } from '../../lib/registry.js';
import { berthStack, FULL_CONTEXT, functionId, KMS_KEY_ARN, logicalId, NO_BUNDLING, NO_GATEWAY, resource, roleStatements } from './stacks.js';

type Json = Record<string, any>;

const PULL_THROUGH_DESCRIPTION = 'Pull-through cache: stores what first pulls bring from upstream registries';

function pullThroughFunction(template: Template): string {
  return logicalId(template, 'AWS::Lambda::Function', (properties) => properties.Description === PULL_THROUGH_DESCRIPTION);
}

function registryTemplate(props: RegistryProps): Template {
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, 'Platform', { env: { account: '123456789012', region: 'eu-west-1' } });
  new Registry(stack, 'Registry', { uploadGateway: false, ...props });
  return Template.fromStack(stack);
}

/** The statements whose actions include `action`. */
function granting(statements: Json[], action: string): Json[] {
  return statements.filter((statement) => [statement.Action].flat().includes(action));
}

const CACHE_SECRETS = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:ecr-pullthroughcache/*']] };

describe('the pull-through cache on AWS', () => {
  const { template } = berthStack(NO_GATEWAY);
  const jobs = pullThroughFunction(template);
  const queue = logicalId(template, 'AWS::SQS::Queue', (properties) => properties.FifoQueue === true && properties.RedrivePolicy !== undefined);
  const deadLetters = logicalId(template, 'AWS::SQS::Queue', (properties) => properties.FifoQueue === true && properties.RedrivePolicy === undefined);
  const table = logicalId(template, 'AWS::DynamoDB::Table', () => true);

  it('sends jobs to a FIFO queue, encrypted and HTTPS only, that gives a job three tries and keeps it in a dead-letter queue after', () => {
    expect(resource(template, queue).Properties).toMatchObject({
      FifoQueue: true,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 5400,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetters, 'Arn'] }, maxReceiveCount: 3 },
    });
    expect(resource(template, deadLetters).Properties).toMatchObject({ FifoQueue: true, SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    for (const id of [queue, deadLetters]) {
      const own = Object.values(template.findResources('AWS::SQS::QueuePolicy') as Json).filter((policy) => JSON.stringify(policy.Properties.Queues).includes(id));
      expect(JSON.stringify(own.map((policy) => policy.Properties.PolicyDocument))).toContain('aws:SecureTransport');
    }
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: jobs }, EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] }, BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('runs each job for up to 15 minutes, timed by the cache\'s settings, and the registry function knows the queue', () => {
    const properties = resource(template, jobs).Properties;
    expect(properties).toMatchObject({ Timeout: 900, MemorySize: 1024 });
    expect(properties.Environment.Variables).toMatchObject({ BERTH_TABLE: { Ref: table }, BERTH_PULL_THROUGH_REFRESH_SECONDS: '86400', BERTH_PULL_THROUGH_BLOB_WAIT_SECONDS: '20' });
    expect(properties.Environment.Variables.BERTH_PULL_THROUGH_QUEUE_URL).toBeUndefined();
    const registry = resource(template, functionId(template, 'registry')).Properties.Environment.Variables;
    expect(registry).toMatchObject({ BERTH_PULL_THROUGH_QUEUE_URL: { Ref: queue }, BERTH_PULL_THROUGH_REFRESH_SECONDS: '86400' });
  });

  it('lets the registry function send jobs and read the rules\' secrets, the management function read them, and no function other secrets by that grant', () => {
    const registry = roleStatements(template, functionId(template, 'registry'));
    expect(granting(registry, 'sqs:SendMessage')).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [queue, 'Arn'] } })]);
    expect(granting(registry, 'secretsmanager:GetSecretValue').map((statement) => statement.Resource)).toContainEqual(CACHE_SECRETS);
    const management = roleStatements(template, functionId(template, 'management'));
    expect(granting(management, 'secretsmanager:GetSecretValue').map((statement) => statement.Resource)).toContainEqual(CACHE_SECRETS);
    expect(granting(management, 'sqs:SendMessage')).toEqual([]);
  });

  it('gives the pull-through function the registry\'s data grants, the rules\' secrets, its queue and the event bus, and not the token secret', () => {
    const statements = roleStatements(template, jobs);
    const secretReads = granting(statements, 'secretsmanager:GetSecretValue');
    expect(secretReads.map((statement) => statement.Resource)).toEqual([CACHE_SECRETS]);
    expect(granting(statements, 'dynamodb:PutItem')).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [table, 'Arn'] } })]);
    expect(granting(statements, 's3:PutObject')).toHaveLength(1);
    expect(granting(statements, 'sqs:ReceiveMessage')).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [queue, 'Arn'] } })]);
    expect(granting(statements, 'sqs:SendMessage')).toEqual([]);
    expect(granting(statements, 'events:PutEvents')).toHaveLength(1);
  });

  it('alarms when a job fails', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: jobs } }] });
  });

  it('may use the table\'s customer managed key when there is one', () => {
    const { template: full } = berthStack(FULL_CONTEXT);
    const statements = roleStatements(full, pullThroughFunction(full));
    expect(granting(statements, 'kms:Decrypt').map((statement) => statement.Resource)).toContainEqual(KMS_KEY_ARN);
  });

  it('takes its timing from the pullThrough prop, and refuses a blob wait API Gateway would cut short', () => {
    const timed = registryTemplate({ pullThrough: { refreshInterval: Duration.hours(1), blobWait: Duration.seconds(5) } });
    expect(resource(timed, pullThroughFunction(timed)).Properties.Environment.Variables).toMatchObject({
      BERTH_PULL_THROUGH_REFRESH_SECONDS: '3600', BERTH_PULL_THROUGH_BLOB_WAIT_SECONDS: '5',
    });
    expect(() => registryTemplate({ pullThrough: { blobWait: Duration.seconds(30) } })).toThrow(/pullThrough\.blobWait must be whole seconds from 1 to 25/);
    expect(() => registryTemplate({ pullThrough: { refreshInterval: Duration.days(31) } })).toThrow(/pullThrough\.refreshInterval must be whole seconds from 0 to 30 days/);
  });
});
