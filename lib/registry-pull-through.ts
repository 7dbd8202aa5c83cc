import { ArnFormat, Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_PULL_THROUGH_CONFIG } from '../lambdas/pull-through/config.js';
import { BerthFunction } from './berth-function.js';
import { acknowledgeWildcardResource } from './nag.js';
import { KEY_ACTIONS, OBJECT_ACTIONS, SECRET_READ_ACTIONS, TABLE_ACTIONS } from './permissions.js';

/** How the pull-through cache is timed (docs/pull-through-cache.md). */
export interface PullThroughOptions {
  /**
   * A cached tag is checked against its upstream at most this often; 0 checks on every pull.
   *
   * @default Duration.hours(24) - as ECR
   */
  readonly refreshInterval?: Duration;
  /**
   * How long a first pull's blob GET waits for a blob the upstream serves itself (no CDN
   * redirect) to be stored, before it sends the client back to ask again: 1 to 25 seconds.
   *
   * @default Duration.seconds(20)
   */
  readonly blobWait?: Duration;
}

export interface RegistryPullThroughProps {
  /** The registry's function environment (table, bucket, host, event bus), which the pull-through function shares. */
  readonly environment: Record<string, string>;
  readonly table: dynamodb.ITable;
  readonly bucket: s3.IBucket;
  readonly encryptionKey?: kms.IKey;
  readonly options?: PullThroughOptions;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** The longest a job may run: Lambda's limit. A layer of several GiB streams from the upstream to S3 within it. */
const JOB_TIMEOUT = Duration.minutes(15);

/**
 * The pull-through cache's background work (lambdas/pull-through): the registry function sends
 * jobs (store this blob, store this image) to a FIFO queue, whose deduplication turns the
 * repeated asks of one first pull into one job; the pull-through function runs them, up to 15
 * minutes each, through the registry's own upload and push code. A queue rather than an
 * asynchronous invoke: deduplication, a visibility timeout that brings a failed job back, a
 * dead-letter queue for one that keeps failing, and the SQS client the functions already have.
 */
export class RegistryPullThrough extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: lambda.Function;
  readonly role: iam.Role;
  private readonly timing: Record<string, string>;

  constructor(scope: Construct, id: string, props: RegistryPullThroughProps) {
    super(scope, id);
    this.timing = timingOf(props.options ?? {});
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Jobs', {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for a queue that feeds a function: six times the function's timeout.
      visibilityTimeout: Duration.seconds(JOB_TIMEOUT.toSeconds() * 6),
      // A job that fails three times (an upstream gone for good) is kept for a look, not retried for ever.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 3 },
    });
    const fn = new BerthFunction(this, 'Function', {
      entry: 'lambdas/pull-through/handler.ts',
      description: 'Pull-through cache: stores what first pulls bring from upstream registries',
      // More memory is more CPU and network: layer bytes stream through it, hashed on the way.
      memorySize: 1024,
      timeout: JOB_TIMEOUT,
      environment: { ...props.environment, ...this.timing },
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.function = fn.function;
    this.role = fn.role;
    // One job per invocation: a job may take the whole timeout, and a batch would share it.
    fn.function.addEventSource(new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true }));
    // It stores blobs and pushes manifests with the registry function's code: the registry function's data grants.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...TABLE_ACTIONS.registry], resources: [props.table.tableArn] }));
    const objectArns = OBJECT_ACTIONS.registry.prefixes.map((prefix) => props.bucket.arnForObjects(`${prefix}*`));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...OBJECT_ACTIONS.registry.actions], resources: objectArns }));
    for (const arn of objectArns) {
      acknowledgeWildcardResource(this.role, arn, 'Object keys are content-addressed digests and upload IDs, known only at run time; the grant is limited to the key prefixes the registry\'s push code writes (lambdas/store/keys.ts).');
    }
    if (props.encryptionKey) this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...KEY_ACTIONS], resources: [props.encryptionKey.keyArn] }));
    this.grantReadCredentials(this.role);
  }

  /** The variables the registry function needs: where jobs go, and the timing. */
  get registryEnvironment(): Record<string, string> {
    return { BERTH_PULL_THROUGH_QUEUE_URL: this.queue.queueUrl, ...this.timing };
  }

  /** Lets `grantee` start jobs (SendMessage on the queue), and nothing else of it. */
  grantDispatch(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantSendMessages(grantee);
  }

  /**
   * Lets `grantee` read the rules' upstream credentials: the secrets named ecr-pullthroughcache/…
   * of the stack's account and region, as ECR requires them to be named, and no other secret.
   */
  grantReadCredentials(role: iam.IRole): iam.Grant {
    const secrets = Stack.of(this).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: 'ecr-pullthroughcache/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    acknowledgeWildcardResource(role, secrets, 'The secrets of pull-through cache rules are named by the users who create rules, after the stack is deployed; ECR requires the prefix ecr-pullthroughcache/, and the grant is limited to it in this account and region.');
    return iam.Grant.addToPrincipal({ grantee: role, actions: [...SECRET_READ_ACTIONS], resourceArns: [secrets] });
  }
}

/** BERTH_PULL_THROUGH_REFRESH_SECONDS and BERTH_PULL_THROUGH_BLOB_WAIT_SECONDS, checked here so that a bad value fails the synth. */
function timingOf(options: PullThroughOptions): Record<string, string> {
  const refresh = options.refreshInterval?.toSeconds() ?? DEFAULT_PULL_THROUGH_CONFIG.refreshSeconds;
  const wait = options.blobWait?.toSeconds() ?? DEFAULT_PULL_THROUGH_CONFIG.blobWaitSeconds;
  if (!Number.isInteger(refresh) || refresh < 0 || refresh > 30 * 24 * 3600) throw new Error(`pullThrough.refreshInterval must be whole seconds from 0 to 30 days, got ${refresh} seconds`);
  if (!Number.isInteger(wait) || wait < 1 || wait > 25) throw new Error(`pullThrough.blobWait must be whole seconds from 1 to 25 (below API Gateway's 30 s), got ${wait} seconds`);
  return { BERTH_PULL_THROUGH_REFRESH_SECONDS: String(refresh), BERTH_PULL_THROUGH_BLOB_WAIT_SECONDS: String(wait) };
}
