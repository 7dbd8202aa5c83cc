import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import { Registry, type RegistryProps } from '../../lib/registry.js';
import { berthStack, FULL_CONTEXT, functionId, KMS_KEY_ARN, logicalId, NO_BUNDLING, NO_GATEWAY, resource, roleStatements } from './stacks.js';

type Json = Record<string, any>;

const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** A registry in a stack of a user's own, for the construct's props the app does not expose. */
function registryTemplate(props: RegistryProps): Template {
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, 'Platform', { env: { account: '123456789012', region: 'eu-west-1' } });
  new Registry(stack, 'Registry', { uploadGateway: false, ...props });
  return Template.fromStack(stack);
}

describe('the scheduled jobs function', () => {
  const { template } = berthStack(NO_GATEWAY);
  const jobs = functionId(template, 'jobs');
  const table = logicalId(template, 'AWS::DynamoDB::Table', () => true);
  const bucket = logicalId(template, 'AWS::S3::Bucket', (properties) => JSON.stringify(properties.LifecycleConfiguration ?? {}).includes('AbortIncompleteMultipartUploads'));
  const rule = logicalId(template, 'AWS::Events::Rule', (properties) => properties.ScheduleExpression !== undefined);

  it('runs one sweep of up to 15 minutes, knowing the table and, to collect garbage, the bucket', () => {
    const properties = resource(template, jobs).Properties;
    expect(properties).toMatchObject({ Timeout: 900, MemorySize: 512, Architectures: ['arm64'] });
    // Not reserved: that fails deployments in accounts on a new account's concurrency quota.
    expect(properties.ReservedConcurrentExecutions).toBeUndefined();
    // And the bus that expired images are announced on (test/events/infra.test.ts).
    expect(properties.Environment.Variables).toEqual({ BERTH_TABLE: { Ref: table }, BERTH_BUCKET: { Ref: bucket }, BERTH_EVENT_BUS: expect.anything() });
  });

  it('writes its own log group, reads and writes the table\'s items, reads and deletes blobs and manifests, and nothing else', () => {
    const logGroup = resource(template, jobs).Properties.LoggingConfig.LogGroup.Ref as string;
    expect(roleStatements(template, jobs)).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: arn(logGroup) },
      {
        Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Effect: 'Allow',
        Resource: arn(table),
      },
      {
        Action: ['s3:GetObject', 's3:DeleteObject'],
        Effect: 'Allow',
        Resource: ['blobs/*', 'manifests/*'].map((prefix) => ({ 'Fn::Join': ['', [arn(bucket), `/${prefix}`]] })),
      },
      { Action: 'events:PutEvents', Effect: 'Allow', Resource: expect.anything() },
    ]);
    const others = ['registry', 'management', 'rotation'] as const;
    for (const other of others) {
      expect(resource(template, functionId(template, other)).Properties.LoggingConfig.LogGroup.Ref).not.toBe(logGroup);
    }
  });

  it('may use the table\'s customer managed key when there is one', () => {
    const { template: full } = berthStack(FULL_CONTEXT);
    const statements = roleStatements(full, functionId(full, 'jobs'));
    expect(statements).toHaveLength(5);
    expect(statements[2]).toEqual({
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      Effect: 'Allow',
      Resource: KMS_KEY_ARN,
    });
  });

  it('runs once a day, at 03:00 UTC, by an EventBridge rule', () => {
    // This one, and the rule that takes image actions to webhook deliveries (test/events/infra.test.ts).
    template.resourceCountIs('AWS::Events::Rule', 2);
    expect(resource(template, rule).Properties).toEqual({
      Description: 'Runs the Berth scheduled jobs (lifecycle-policy evaluation, garbage collection)',
      ScheduleExpression: 'cron(0 3 * * ? *)',
      State: 'ENABLED',
      Targets: [{ Arn: arn(jobs), Id: expect.any(String) }],
    });
  });

  it('lets EventBridge invoke it for that rule alone, and nothing else invoke it', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission') as Record<string, Json>)
      .filter((permission) => JSON.stringify(permission.Properties.FunctionName) === JSON.stringify(arn(jobs)));
    expect(permissions.map((permission) => permission.Properties)).toEqual([
      { Action: 'lambda:InvokeFunction', FunctionName: arn(jobs), Principal: 'events.amazonaws.com', SourceArn: arn(rule) },
    ]);
  });

  it('alarms on its errors and its throttles, and has a graph on the dashboard', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Json>)
      .filter((alarm) => alarm.Properties.Dimensions?.[0]?.Value?.Ref === jobs);
    expect(alarms.map((alarm) => alarm.Properties.MetricName).sort()).toEqual(['Errors', 'Throttles']);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: jobs } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    expect(body).toContain('Scheduled jobs');
    expect(body).toContain(JSON.stringify({ Ref: jobs }));
  });

  it('runs on the schedule the construct is given', () => {
    registryTemplate({ jobsSchedule: Schedule.rate(Duration.hours(6)) })
      .hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)', State: 'ENABLED' });
  });

  it('can be turned off: the rule stays, disabled, and the function with it', () => {
    const off = registryTemplate({ jobsEnabled: false });
    off.resourceCountIs('AWS::Events::Rule', 2);
    off.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 3 * * ? *)', State: 'DISABLED' });
    off.hasResourceProperties('AWS::Lambda::Function', { Description: 'Scheduled jobs: lifecycle-policy evaluation and garbage collection' });
  });
});
