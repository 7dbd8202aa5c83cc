import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { garbageCollectionWidget } from './garbage-collection.js';
import type { UploadGateway } from './upload-gateway.js';

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
  /** The upload gateway, when the registry runs one. */
  readonly uploadGateway?: UploadGateway;
  /**
   * Dead-letter queues, by the name their alarm gives them: a message there is work given up
   * (a webhook delivery, a pull-through store) that nobody would notice otherwise.
   */
  readonly deadLetterQueues?: Record<string, sqs.IQueue>;
}

const PERIOD = Duration.minutes(5);

/** Alarms (5xx rate, Lambda errors and throttles, dead letters, the upload gateway's health) and a dashboard for one registry. */
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
    for (const [name, queue] of Object.entries(props.deadLetterQueues ?? {})) {
      this.addAlarm(`${name}DeadLetters`, queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }), {
        threshold: 1,
        evaluationPeriods: 1,
        description: `Work was given up and kept in the ${name} dead-letter queue; read its messages for why, then redrive or delete them.`,
      });
    }
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

    const gatewayWidgets = props.uploadGateway ? this.watchUploadGateway(props.uploadGateway, props.serverErrorRatePercent) : [];

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
        ...(gatewayWidgets.length === 0 ? [] : [gatewayWidgets]),
        [garbageCollectionWidget(table.tableName)],
      ],
    });
  }

  /**
   * Alarms on the upload gateway (5xx its tasks answer, 5xx the load balancer answers for
   * them, tasks failing health checks), and its row of graphs.
   */
  private watchUploadGateway(gateway: UploadGateway, serverErrorRatePercent: number): cloudwatch.IWidget[] {
    const balancer = gateway.loadBalancer.metrics;
    const targets = gateway.targetGroup.metrics;
    const requests = balancer.requestCount({ period: PERIOD, statistic: 'Sum', label: 'requests' });
    const targetErrors = balancer.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: PERIOD, label: 'task 5xx' });
    const balancerErrors = balancer.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: PERIOD, label: 'load balancer 5xx' });
    const unhealthy = targets.unhealthyHostCount({ period: PERIOD, statistic: 'Maximum', label: 'unhealthy tasks' });
    const targetErrorRate = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * taskErrors / requests, 0)',
      usingMetrics: { requests, taskErrors: targetErrors },
      period: PERIOD,
      label: 'task 5xx rate (%)',
    });
    // RequestCount leaves out requests refused before a task was chosen (503: no healthy task),
    // so those count in the total too; a 502 or 504 counts twice, which errs toward quiet.
    const balancerErrorRate = new cloudwatch.MathExpression({
      expression: 'IF(requests + balancerErrors > 0, 100 * balancerErrors / (requests + balancerErrors), 0)',
      usingMetrics: { requests, balancerErrors },
      period: PERIOD,
      label: 'load balancer 5xx rate (%)',
    });

    this.addAlarm('UploadGatewayServerErrorRate', targetErrorRate, {
      threshold: serverErrorRatePercent,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description: `At least ${serverErrorRatePercent}% of upload gateway requests were answered 5xx by its tasks in 2 of the last 3 five-minute periods.`,
    });
    this.addAlarm('UploadGatewayLoadBalancerErrorRate', balancerErrorRate, {
      threshold: serverErrorRatePercent,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description: `At least ${serverErrorRatePercent}% of upload gateway requests were answered 5xx by the load balancer (no healthy task, or a task that failed or timed out) in 2 of the last 3 five-minute periods.`,
    });
    this.addAlarm('UploadGatewayUnhealthyTasks', unhealthy, {
      threshold: 1,
      // A task that fails its checks is replaced within minutes; two periods in a row is a fault.
      evaluationPeriods: 2,
      description: 'An upload gateway task failed its health checks (GET /healthz) for two five-minute periods in a row.',
    });

    return [
      new cloudwatch.GraphWidget({ title: 'Upload gateway requests', left: [requests, targetErrors, balancerErrors], width: 6 }),
      new cloudwatch.GraphWidget({ title: 'Upload gateway 5xx rate (%)', left: [targetErrorRate, balancerErrorRate], width: 6 }),
      new cloudwatch.GraphWidget({
        title: 'Upload gateway tasks',
        left: [targets.healthyHostCount({ period: PERIOD, statistic: 'Minimum', label: 'healthy tasks' }), unhealthy],
        right: [
          gateway.service.metricCpuUtilization({ period: PERIOD, label: 'CPU (%)' }),
          gateway.service.metricMemoryUtilization({ period: PERIOD, label: 'memory (%)' }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Upload gateway bytes received',
        left: [balancer.processedBytes({ period: PERIOD, statistic: 'Sum', label: 'bytes processed' })],
        width: 6,
      }),
    ];
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
