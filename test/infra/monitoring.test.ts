import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { berthStack, FULL_CONTEXT, functionId, NO_GATEWAY, TOPIC_ARN } from './stacks.js';

type Alarm = { Properties: Record<string, any> };

function allAlarms(template: ReturnType<typeof berthStack>['template']): Alarm[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Alarm>);
}

describe('monitoring', () => {
  const { template } = berthStack(NO_GATEWAY);

  it('alarms on the 5xx rate of the API', () => {
    const [rate] = allAlarms(template).filter((alarm) => alarm.Properties.Metrics !== undefined);
    expect(rate!.Properties).toMatchObject({ Threshold: 5, EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: 'notBreaching' });
    const metrics = rate!.Properties.Metrics as Array<Record<string, any>>;
    expect(metrics.find((metric) => metric.Expression)?.Expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    const names = metrics.filter((metric) => metric.MetricStat).map((metric) => [metric.Id, metric.MetricStat.Metric.MetricName, metric.MetricStat.Metric.Namespace]);
    expect(names.sort()).toEqual([['errors', '5xx', 'AWS/ApiGateway'], ['requests', 'Count', 'AWS/ApiGateway']]);
  });

  it('alarms on errors of every function and on throttles of the serving and scheduled ones', () => {
    const single = allAlarms(template)
      .filter((alarm) => alarm.Properties.Namespace === 'AWS/Lambda')
      .map((alarm) => `${alarm.Properties.MetricName}:${alarm.Properties.Dimensions[0].Value.Ref}`);
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
    const throttleWatched = [functionId(template, 'registry'), functionId(template, 'management'), functionId(template, 'jobs')];
    expect(single.sort()).toEqual([
      ...functions.map((id) => `Errors:${id}`),
      ...throttleWatched.map((id) => `Throttles:${id}`),
    ].sort());
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent() });
  });

  it('alarms on the first message in the webhook and pull-through dead-letter queues', () => {
    const deadLetters = allAlarms(template).filter((alarm) => alarm.Properties.Namespace === 'AWS/SQS');
    expect(deadLetters).toHaveLength(2);
    const queues = Object.keys(template.findResources('AWS::SQS::Queue', { Properties: { MessageRetentionPeriod: Match.anyValue() } }));
    for (const alarm of deadLetters) {
      expect(alarm.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Maximum', Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect(queues).toContain(alarm.Properties.Dimensions[0].Value['Fn::GetAtt'][0]);
    }
    const watched = deadLetters.map((alarm) => alarm.Properties.Dimensions[0].Value['Fn::GetAtt'][0] as string).sort();
    expect(watched).toEqual(queues.filter((id) => /DeadLetters/.test(id)).sort());
  });

  it('has a dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    for (const title of ['Requests', '5xx rate (%)', 'Latency (ms)', 'Lambda errors', 'Lambda throttles', 'DynamoDB capacity consumed', 'Alarms', 'Scheduled jobs']) {
      expect(body).toContain(title);
    }
  });

  it('notifies the alarm topic, at the configured 5xx rate, when given', () => {
    const { template: full } = berthStack(FULL_CONTEXT);
    full.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [TOPIC_ARN] });
    full.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 2, Metrics: Match.anyValue() });
  });
});
