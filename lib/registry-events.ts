import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE, IMAGE_ACTION } from '../lambdas/events/eventbridge-format.js';
import { DEFAULT_DELIVERY_SETTINGS } from '../lambdas/webhooks/settings.js';
import { BerthFunction } from './berth-function.js';
import { KEY_ACTIONS, TABLE_ACTIONS } from './permissions.js';

/** How webhook deliveries are timed; each becomes a BERTH_WEBHOOK_* setting of the delivery function. */
export interface WebhookDeliveryOptions {
  /**
   * How long one attempt waits for the receiver's answer: 1 to 60 seconds.
   *
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * The pause before the first retry, doubled for each next one up to 15 minutes (SQS's longest delay).
   *
   * @default Duration.seconds(30)
   */
  readonly retryDelay?: Duration;
  /**
   * How long after the first attempt a failing delivery is retried, before it is recorded dead.
   *
   * @default Duration.hours(24)
   */
  readonly giveUpAfter?: Duration;
}

export interface RegistryEventsProps {
  /**
   * The bus the registry's changes go on.
   *
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  readonly table: dynamodb.ITable;
  /** The host users put in image names: the URLs deliveries carry. */
  readonly registryHost: string;
  readonly encryptionKey?: kms.IKey;
  readonly delivery?: WebhookDeliveryOptions;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The registry's announcements: the functions that change the registry put events shaped like
 * ECR's on a bus (grantPut); a rule takes its image actions to a queue, which feeds the webhook
 * delivery function. Retries go back on the same queue, delayed; a message that keeps failing
 * to be handled (not a receiver's failure, which is recorded and retried) ends in the dead-letter queue.
 */
export class RegistryEvents extends Construct {
  readonly eventBus: events.IEventBus;
  /** Matches the registry's image actions (pushes and deletes) on the bus. */
  readonly rule: events.Rule;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly deliveryFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: RegistryEventsProps) {
    super(scope, id);
    this.eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    const timeout = props.delivery?.timeout ?? Duration.millis(DEFAULT_DELIVERY_SETTINGS.timeoutMs);
    const retryDelay = props.delivery?.retryDelay ?? Duration.millis(DEFAULT_DELIVERY_SETTINGS.retryMs);
    const giveUpAfter = props.delivery?.giveUpAfter ?? Duration.millis(DEFAULT_DELIVERY_SETTINGS.giveUpMs);
    // Every attempt of a batch runs at once: the slowest receiver's timeout, and time to record.
    const functionTimeout = Duration.seconds(timeout.toSeconds() + 20);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Deliveries', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for a queue that feeds a function: six times the function's timeout.
      visibilityTimeout: Duration.seconds(functionTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    this.rule = new events.Rule(this, 'ImageActions', {
      description: 'Takes the Berth registry\'s image actions to its webhook deliveries',
      eventBus: this.eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [IMAGE_ACTION] },
      targets: [new targets.SqsQueue(this.queue)],
    });

    const delivery = new BerthFunction(this, 'Delivery', {
      entry: 'lambdas/webhooks/handler.ts',
      description: 'Webhook deliveries',
      memorySize: 256,
      timeout: functionTimeout,
      environment: {
        BERTH_TABLE: props.table.tableName,
        BERTH_REGISTRY_HOST: props.registryHost,
        BERTH_WEBHOOK_QUEUE_URL: this.queue.queueUrl,
        BERTH_WEBHOOK_TIMEOUT_SECONDS: String(timeout.toSeconds()),
        BERTH_WEBHOOK_RETRY_SECONDS: String(retryDelay.toSeconds()),
        BERTH_WEBHOOK_GIVE_UP_SECONDS: String(giveUpAfter.toSeconds()),
      },
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.deliveryFunction = delivery.function;
    delivery.function.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
    // Retries are messages it sends itself, delayed.
    this.queue.grantSendMessages(delivery.role);
    delivery.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...TABLE_ACTIONS.webhooks], resources: [props.table.tableArn] }));
    if (props.encryptionKey) delivery.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...KEY_ACTIONS], resources: [props.encryptionKey.keyArn] }));
  }

  /** Where the functions that change the registry put events: BERTH_EVENT_BUS. */
  get environment(): Record<string, string> {
    return { BERTH_EVENT_BUS: this.eventBus.eventBusArn };
  }

  /** Lets `grantee` put events on the bus (PutEvents), and nothing else. */
  grantPut(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['events:PutEvents'], resourceArns: [this.eventBus.eventBusArn] });
  }
}
