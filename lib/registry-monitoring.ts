import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface RegistryMonitoringProps {
  readonly api: apigwv2.IHttpApi;
  /** The functions to watch, by the name alarms and graphs give them. */
  readonly functions: Record<string, lambda.IFunction>;
  /** Functions that serve requests: their throttling is an outage, so it alarms. */
  readonly servingFunctions: readonly string[];
  /**
   * Functions that run on a schedule: a throttled run is delayed or lost, so it alarms. Their
   * runs last minutes, not milliseconds, so they get a graph of their own.
   */
  readonly scheduledFunctions?: readonly string[];
  readonly table: dynamodb.ITable;
  /** Percentage of requests answered 5xx that raises the alarm. */
  readonly serverErrorRatePercent: number;
  readonly alarmTopic?: sns.ITopic;
}

const PERIOD = Duration.minutes(5);

/** Alarms (5xx rate, Lambda errors and throttles) and a dashboard for one registry. */
export class RegistryMonitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  private readonly alarmTopic: sns.ITopic | undefined;

  constructor(scope: Construct, id: string, props: RegistryMonitoringProps) {
    super(scope, id);
    this.alarmTopic = props.alarmTopic;
    const { api, table } = props;
    const requests = api.metricCount({ period: PERIOD, statistic: 'Sum' });
    const serverErrors = api.metricServerError({ period: PERIOD, statistic: 'Sum' });
    const clientErrors = api.metricClientError({ period: PERIOD, statistic: 'Sum' });
    const serverErrorRate = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      period: PERIOD,
      label: '5xx rate (%)',
    });

    this.addAlarm('ServerErrorRate', serverErrorRate, {
      threshold: props.serverErrorRatePercent,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description: `At least ${props.serverErrorRatePercent}% of registry requests answered 5xx in 2 of the last 3 five-minute periods.`,
    });
    const scheduledNames = props.scheduledFunctions ?? [];
    for (const [name, fn] of Object.entries(props.functions)) {
      this.addAlarm(`${name}Errors`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), {
        threshold: 1,
        evaluationPeriods: 1,
        description: `The ${name} function failed (an uncaught error or a timeout).`,
      });
      if (props.servingFunctions.includes(name)) {
        this.addAlarm(`${name}Throttles`, fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }), {
          threshold: 1,
          evaluationPeriods: 1,
          description: `Lambda throttled the ${name} function: requests failed for lack of concurrency.`,
        });
      } else if (scheduledNames.includes(name)) {
        this.addAlarm(`${name}Throttles`, fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }), {
          threshold: 1,
          evaluationPeriods: 1,
          description: `Lambda throttled the ${name} function: a scheduled run waited for concurrency, and Lambda drops it after 6 hours of retries.`,
        });
      }
    }

    const functions = Object.entries(props.functions).filter(([name]) => !scheduledNames.includes(name));
    const scheduled = Object.entries(props.functions).filter(([name]) => scheduledNames.includes(name));
    const perFunction = (metric: (fn: lambda.IFunction) => cloudwatch.Metric) =>
      functions.map(([name, fn]) => metric(fn).with({ label: name, period: PERIOD }));
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'Requests', left: [requests, clientErrors, serverErrors], width: 8 }),
          new cloudwatch.GraphWidget({ title: '5xx rate (%)', left: [serverErrorRate], width: 8 }),
          new cloudwatch.GraphWidget({
            title: 'Latency (ms)',
            left: [
              api.metricLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }),
              api.metricLatency({ period: PERIOD, statistic: 'p99', label: 'p99' }),
              api.metricIntegrationLatency({ period: PERIOD, statistic: 'p99', label: 'integration p99' }),
            ],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Lambda invocations', left: perFunction((fn) => fn.metricInvocations({ statistic: 'Sum' })), width: 6 }),
          new cloudwatch.GraphWidget({ title: 'Lambda errors', left: perFunction((fn) => fn.metricErrors({ statistic: 'Sum' })), width: 6 }),
          new cloudwatch.GraphWidget({ title: 'Lambda throttles', left: perFunction((fn) => fn.metricThrottles({ statistic: 'Sum' })), width: 6 }),
          new cloudwatch.GraphWidget({ title: 'Lambda duration p99 (ms)', left: perFunction((fn) => fn.metricDuration({ statistic: 'p99' })), width: 6 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'DynamoDB capacity consumed',
            left: [
              table.metricConsumedReadCapacityUnits({ period: PERIOD, statistic: 'Sum', label: 'read units' }),
              table.metricConsumedWriteCapacityUnits({ period: PERIOD, statistic: 'Sum', label: 'write units' }),
            ],
            width: 12,
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
        ],
        ...(scheduled.length === 0 ? [] : [[
          new cloudwatch.GraphWidget({
            title: 'Scheduled jobs',
            left: scheduled.flatMap(([name, fn]) => [
              fn.metricInvocations({ period: PERIOD, statistic: 'Sum', label: `${name} runs` }),
              fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: `${name} errors` }),
              fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: `${name} throttles` }),
            ]),
            right: scheduled.map(([name, fn]) => fn.metricDuration({ period: PERIOD, statistic: 'Maximum', label: `${name} duration (ms)` })),
            width: 24,
          }),
        ]]),
      ],
    });
  }

  private addAlarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: { threshold: number; evaluationPeriods: number; datapointsToAlarm?: number; description: string },
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      ...(options.datapointsToAlarm === undefined ? {} : { datapointsToAlarm: options.datapointsToAlarm }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    if (this.alarmTopic) alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    this.alarms.push(alarm);
  }
}
