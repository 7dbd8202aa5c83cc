import { Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { isConsolePath } from '../lambdas/console/paths.js';
import { BerthFunction } from './berth-function.js';
import { acknowledge, acknowledgeWildcardResource } from './nag.js';
import { KEY_ACTIONS, OBJECT_ACTIONS, OBJECT_TAGGING_ACTIONS, SECRET_READ_ACTIONS, TABLE_ACTIONS } from './permissions.js';
import { CONSOLE_BUNDLING, CONSOLE_ROUTE_AUTHENTICATION, consoleEnvironment, type RegistryConsoleOptions } from './registry-console.js';
import { RegistryEvents, type WebhookDeliveryOptions } from './registry-events.js';
import { grantGarbageCollection } from './garbage-collection.js';
import { RegistryMonitoring } from './registry-monitoring.js';
import { RegistryPullThrough, type PullThroughOptions } from './registry-pull-through.js';
import { RegistryStorage } from './registry-storage.js';
import { IAM_PATHS, ROUTES, type RouteTarget } from './routes.js';
import { TokenSecrets } from './token-secrets.js';
import { resolveUploadGateway, UploadGateway, type UploadGatewayOptions, type UploadGatewaySettings } from './upload-gateway.js';

/** A custom domain for the registry: the host in `docker login` and in image names. */
export interface RegistryDomainOptions {
  /** The host name, e.g. `registry.example.com`. The registry serves /v2/ at its root. */
  readonly domainName: string;
  /**
   * A certificate for `domainName` in the stack's region.
   *
   * @default - a certificate validated by DNS: in `hostedZone` when given, otherwise by the
   * CNAME record that the ACM console shows while the deployment waits for it
   */
  readonly certificate?: acm.ICertificate;
  /**
   * The public hosted zone of `domainName`, for the alias records (A and AAAA) and the
   * certificate's validation records.
   *
   * @default - no DNS records: point a CNAME at the `domainTarget` output yourself
   */
  readonly hostedZone?: route53.IHostedZone;
}

/** Properties of a Berth registry. */
export interface RegistryProps {
  /**
   * Serve the registry at a custom domain.
   *
   * @default - the API's own `<api-id>.execute-api.<region>.amazonaws.com` host
   */
  readonly domain?: RegistryDomainOptions;
  /**
   * Pushing to a repository that does not exist creates it, as ECR's create-on-push does.
   *
   * @default false
   */
  readonly createOnPush?: boolean;
  /**
   * How long a registry token (the password of `docker login`) stays valid: 1 minute to 7 days.
   *
   * @default Duration.hours(12) - as ECR's authorization tokens
   */
  readonly tokenLifetime?: Duration;
  /**
   * How often the token-signing key rotates. Tokens signed with the previous key stay valid
   * until they expire, so it must be longer than `tokenLifetime`.
   *
   * @default Duration.days(30)
   */
  readonly tokenKeyRotation?: Duration;
  /**
   * How long a presigned blob download URL stays valid.
   *
   * @default Duration.minutes(5)
   */
  readonly downloadUrlLifetime?: Duration;
  /**
   * What happens to the table, the buckets, the keys and the log groups when the stack is
   * deleted (or they are replaced). `RETAIN` keeps them, with deletion protection on the table;
   * `DESTROY` deletes them, and empties both buckets first (a function that CDK adds for this
   * deletes their objects when the stack is deleted).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long function logs, API access logs and S3 server access logs are kept.
   *
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * A customer managed KMS key that encrypts the table, the bucket (SSE-KMS with a bucket key)
   * and the secrets.
   *
   * @default - AWS managed encryption: the `aws/dynamodb` key, SSE-S3 and the `aws/secretsmanager` key
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Move blobs of 128 KiB and more to S3 Intelligent-Tiering, which lowers the price of
   * layers nobody pulls for a month or more.
   *
   * @default false
   */
  readonly intelligentTiering?: boolean;
  /**
   * Request limits of the API's `$default` stage, for all callers together.
   *
   * @default - 1,000 requests per second, bursts of 2,000
   */
  readonly throttle?: apigwv2.ThrottleSettings;
  /**
   * The percentage of requests answered with a 5xx status that raises the 5xx-rate alarm.
   *
   * @default 5
   */
  readonly serverErrorRatePercent?: number;
  /**
   * Where alarms send notifications.
   *
   * @default - alarms without actions (see them on the dashboard)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * When the scheduled jobs run: each run evaluates the repositories' lifecycle policies and
   * expires the images they select. Cron expressions are in UTC.
   *
   * @default Schedule.cron({ minute: '0', hour: '3' }) - once a day, at 03:00 UTC
   */
  readonly jobsSchedule?: events.Schedule;
  /**
   * Run the scheduled jobs. `false` deploys their schedule disabled: lifecycle policies are
   * kept but expire nothing, and the jobs function can still be invoked by hand.
   *
   * @default true
   */
  readonly jobsEnabled?: boolean;
  /**
   * The upload gateway: a streaming service on ECS Fargate behind a load balancer that takes
   * the bytes of blob uploads, of any size, where the API takes at most 4.45 MiB a request
   * (docker, podman, skopeo and crane push each layer in one request). It serves HTTPS at a
   * host name under `domain`, so it needs one. `false` leaves a pure pay-per-request registry:
   * no hourly charges, and pushes of layers up to 4.45 MiB per request (or `berth push`).
   *
   * @default true - at `uploads.<domainName>`, with the defaults of UploadGatewayOptions
   */
  readonly uploadGateway?: boolean | UploadGatewayOptions;
  /**
   * Concurrent executions reserved for each function, which are also its most. Reserving
   * takes from the account's concurrency, of which Lambda keeps 100 unreserved (all of it in
   * a new account whose quota is 10 or 50, where any reservation fails the deployment).
   *
   * @default - none: every function shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: ReservedConcurrency;
  /**
   * The web console at `/console/`, served by the management function: how long its
   * sign-in links and sessions last.
   *
   * @default - links work for 5 minutes, sessions last 1 hour
   */
  readonly console?: RegistryConsoleOptions;
  /**
   * The EventBridge bus that pushes, deletes and repository changes go on, as events shaped
   * like ECR's (docs/events-and-webhooks.md); webhooks are delivered from it.
   *
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * How webhook deliveries are timed and how long a failing one is retried.
   *
   * @default - the defaults of WebhookDeliveryOptions
   */
  readonly webhookDelivery?: WebhookDeliveryOptions;
  /**
   * How the pull-through cache is timed (docs/pull-through-cache.md).
   *
   * @default - the defaults of PullThroughOptions
   */
  readonly pullThrough?: PullThroughOptions;
}

/** Reserved concurrent executions per function; a function left out reserves none. */
export interface ReservedConcurrency {
  /** The OCI Distribution API: one execution per request in flight. */
  readonly registry?: number;
  /** The management API and registry tokens. */
  readonly management?: number;
  /** The scheduled jobs: 1 keeps runs invoked by hand from overlapping the scheduled one. */
  readonly jobs?: number;
  /** The token-signing key's rotation. */
  readonly rotation?: number;
}

const DEFAULT_TOKEN_LIFETIME = Duration.hours(12);
/** The most lambdas/shared/config.ts accepts for BERTH_TOKEN_LIFETIME_SECONDS. */
const MAX_TOKEN_LIFETIME = Duration.days(7);
const MAX_DOWNLOAD_URL_LIFETIME = Duration.days(7);
const DEFAULT_JOBS_SCHEDULE = events.Schedule.cron({ minute: '0', hour: '3' });

/**
 * A Berth container registry: an OCI Distribution API and an ECR-compatible management API
 * behind one HTTP API, over one DynamoDB table and one S3 bucket; and, unless turned off, the
 * upload gateway that takes upload bytes of any size (lib/upload-gateway.ts).
 *
 * Routes: `/v2/...` (registry function) and `POST /` (management function, ECR's protocol) let
 * requests through to the functions, which authenticate them; `POST /iam`, `/iam/token` and
 * `/iam/token/pull` (management function) are for AWS principals, whose signatures API
 * Gateway's IAM authorizer checks. `grantPull` and `grantPush` allow those token routes.
 * `POST /sts/token` and `/sts/token/pull` let principals of other accounts, which that authorizer
 * refuses, through to the management function, which verifies them with STS.
 */
export class Registry extends Construct {
  /** The HTTP API; its `$default` stage is `stage`. */
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  /** The host users put in `docker login` and image names. */
  readonly registryHost: string;
  /** The custom domain name, when one is configured. */
  readonly domainName?: apigwv2.DomainName;
  readonly table: dynamodb.Table;
  readonly bucket: s3.Bucket;
  /** Receives the blob bucket's S3 server access logs, and the upload gateway's load balancer and flow logs. */
  readonly accessLogsBucket: s3.Bucket;
  readonly tokenSecret: secretsmanager.Secret;
  readonly sealingSecret: secretsmanager.Secret;
  /** Serves the OCI Distribution API on /v2. */
  readonly registryFunction: lambda.Function;
  /** Serves the management API (`POST /`) and the IAM routes (`/iam...`). */
  readonly managementFunction: lambda.Function;
  /** Runs the scheduled jobs: lifecycle-policy evaluation, then garbage collection. */
  readonly jobsFunction: lambda.Function;
  /** The EventBridge rule that invokes `jobsFunction` on `jobsSchedule`. */
  readonly jobsRule: events.Rule;
  /** The upload gateway, unless turned off. */
  readonly uploadGateway?: UploadGateway;
  readonly monitoring: RegistryMonitoring;
  /** The event bus the registry's changes go on, and the webhook deliveries fed from it. */
  readonly events: RegistryEvents;
  /** The pull-through cache's job queue and the function that runs its jobs. */
  readonly pullThrough: RegistryPullThrough;

  constructor(scope: Construct, id: string, props: RegistryProps = {}) {
    super(scope, id);
    const settings = resolveSettings(props);
    const stack = Stack.of(this);

    const storage = new RegistryStorage(this, 'Storage', settings);
    this.table = storage.table;
    this.bucket = storage.bucket;
    this.accessLogsBucket = storage.accessLogsBucket;
    const secrets = new TokenSecrets(this, 'Keys', {
      rotationInterval: settings.tokenKeyRotation,
      ...(settings.encryptionKey ? { encryptionKey: settings.encryptionKey } : {}),
      removalPolicy: settings.removalPolicy,
      logRetention: settings.logRetention,
      ...(settings.reservedConcurrency.rotation === undefined ? {} : { rotationReservedConcurrency: settings.reservedConcurrency.rotation }),
    });
    this.tokenSecret = secrets.tokenSecret;
    this.sealingSecret = secrets.sealingSecret;

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Berth container registry',
      createDefaultStage: false,
      // With a custom domain, tokens name that host: the execute-api host would only confuse.
      disableExecuteApiEndpoint: settings.domain !== undefined,
    });
    if (settings.domain) this.domainName = this.customDomain(settings.domain);
    this.registryHost = settings.domain?.domainName ?? Fn.select(2, Fn.split('/', this.api.apiEndpoint));

    const environment: Record<string, string> = {
      BERTH_TABLE: this.table.tableName,
      BERTH_BUCKET: this.bucket.bucketName,
      BERTH_ACCOUNT_ID: stack.account,
      BERTH_REGISTRY_HOST: this.registryHost,
      BERTH_CREATE_ON_PUSH: String(settings.createOnPush),
      BERTH_TOKEN_LIFETIME_SECONDS: String(settings.tokenLifetime.toSeconds()),
      BERTH_DOWNLOAD_URL_SECONDS: String(settings.downloadUrlLifetime.toSeconds()),
      BERTH_TOKEN_SECRET_ARN: this.tokenSecret.secretArn,
    };
    if (settings.uploadGateway) {
      this.uploadGateway = new UploadGateway(this, 'UploadGateway', {
        settings: settings.uploadGateway,
        environment,
        logBucket: storage.accessLogsBucket,
        logRetention: settings.logRetention,
        removalPolicy: settings.removalPolicy,
      });
      this.grantData(this.uploadGateway.taskRole, 'uploadGateway', [this.tokenSecret], settings.encryptionKey);
    }
    this.events = new RegistryEvents(this, 'Events', {
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
      table: this.table,
      registryHost: this.registryHost,
      ...(settings.encryptionKey ? { encryptionKey: settings.encryptionKey } : {}),
      ...(props.webhookDelivery ? { delivery: props.webhookDelivery } : {}),
      logRetention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });
    this.pullThrough = new RegistryPullThrough(this, 'PullThrough', {
      environment: { ...environment, ...this.events.environment },
      table: this.table,
      bucket: this.bucket,
      ...(settings.encryptionKey ? { encryptionKey: settings.encryptionKey } : {}),
      ...(props.pullThrough ? { options: props.pullThrough } : {}),
      logRetention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });
    const registry = new BerthFunction(this, 'Registry', {
      entry: 'lambdas/registry/handler.ts',
      description: 'OCI Distribution API',
      // More memory is more CPU: uploads hash up to 4.4 MiB per request.
      memorySize: 1024,
      timeout: Duration.seconds(29),
      // Upload Locations point at the gateway, which takes the bytes.
      environment: { ...environment, ...this.events.environment, ...this.pullThrough.registryEnvironment, ...(this.uploadGateway ? { BERTH_UPLOAD_GATEWAY_URL: this.uploadGateway.url } : {}) },
      logRetention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
      reservedConcurrency: settings.reservedConcurrency.registry,
    });
    const management = new BerthFunction(this, 'Management', {
      entry: 'lambdas/management/handler.ts',
      description: 'ECR-compatible management API and registry tokens',
      memorySize: 512,
      timeout: Duration.seconds(29),
      // Principals of other accounts are verified by the region's STS endpoint, in the stack's partition.
      environment: { ...environment, ...this.events.environment, BERTH_SEALING_SECRET_ARN: this.sealingSecret.secretArn, BERTH_STS_ENDPOINT: `https://sts.${stack.region}.${stack.urlSuffix}`, ...consoleEnvironment(props.console) },
      logRetention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
      reservedConcurrency: settings.reservedConcurrency.management,
      commandHooks: CONSOLE_BUNDLING,
    });
    this.registryFunction = registry.function;
    this.managementFunction = management.function;
    this.grantData(registry.role, 'registry', [this.tokenSecret], settings.encryptionKey);
    this.grantData(management.role, 'management', [this.tokenSecret, this.sealingSecret], settings.encryptionKey);
    this.events.grantPut(registry.role);
    this.events.grantPut(management.role);
    // First pulls send jobs and sign in to upstreams; rules are checked (and validated) with their secrets; stored images are announced.
    this.pullThrough.grantDispatch(registry.role);
    this.pullThrough.grantReadCredentials(registry.role);
    this.pullThrough.grantReadCredentials(management.role);
    this.events.grantPut(this.pullThrough.role);

    // Scheduled jobs: lifecycle-policy evaluation, one sweep per run over the table, then garbage
    // collection (lambdas/gc), which resumes the next run where a run's time ran out.
    // Expired uploads go by DynamoDB TTL and the bucket's lifecycle rules, not by these jobs.
    const jobs = new BerthFunction(this, 'Jobs', {
      entry: 'lambdas/jobs/handler.ts',
      description: 'Scheduled jobs: lifecycle-policy evaluation and garbage collection',
      // A sweep holds a repository's manifest summaries to sort and count them.
      memorySize: 512,
      // The most Lambda allows: a sweep grows with the registry, and one cut short fails (and
      // alarms) with work left. Lambda bills the time used, not the timeout.
      timeout: Duration.minutes(15),
      // No reserved concurrency by default, though one sweep at a time is the intent: reserving
      // even 1 fails the deployment in accounts still on a new account's quota (10 or 50), which
      // Lambda keeps unreserved in full. Runs do not overlap on a daily schedule with this
      // timeout, and an overlap (a run invoked by hand) is harmless: deleteManifest deletes
      // only on the condition that the manifest and its tags are as read, and finds nothing
      // to do for an image already deleted; updateRepository retries on its version condition.
      environment: { BERTH_TABLE: this.table.tableName, BERTH_BUCKET: this.bucket.bucketName, ...this.events.environment },
      logRetention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
      reservedConcurrency: settings.reservedConcurrency.jobs,
    });
    this.jobsFunction = jobs.function;
    this.grantTable(jobs, TABLE_ACTIONS.jobs, settings.encryptionKey);
    grantGarbageCollection(jobs.role, this.bucket);
    // Images lifecycle policies expire are announced.
    this.events.grantPut(jobs.role);
    // An EventBridge rule rather than a Scheduler schedule: the rule invokes the function
    // through its resource policy, limited to this rule's ARN, where a schedule needs a role
    // of its own (CDK's grants it the function's versions too, a wildcard).
    this.jobsRule = new events.Rule(this, 'JobsSchedule', {
      description: 'Runs the Berth scheduled jobs (lifecycle-policy evaluation, garbage collection)',
      schedule: settings.jobsSchedule,
      enabled: settings.jobsEnabled,
      targets: [new targets.LambdaFunction(jobs.function)],
    });

    this.stage = this.addDefaultStage(settings);
    this.addRoutes({ registry: registry.function, management: management.function });

    this.monitoring = new RegistryMonitoring(this, 'Monitoring', {
      api: this.api,
      functions: { Registry: registry.function, Management: management.function, Rotation: secrets.rotation.function, Jobs: jobs.function, Webhooks: this.events.deliveryFunction, PullThrough: this.pullThrough.function },
      servingFunctions: ['Registry', 'Management'],
      scheduledFunctions: ['Jobs'],
      table: this.table,
      serverErrorRatePercent: settings.serverErrorRatePercent,
      ...(settings.alarmTopic ? { alarmTopic: settings.alarmTopic } : {}),
      ...(this.uploadGateway ? { uploadGateway: this.uploadGateway } : {}),
      deadLetterQueues: { WebhookDeliveries: this.events.deadLetterQueue, PullThroughJobs: this.pullThrough.deadLetterQueue },
    });
  }

  /** The management API for AWS principals, at `https://<host>/iam`, signed for `execute-api`. */
  get managementEndpoint(): string {
    return `https://${this.registryHost}${IAM_PATHS.management}`;
  }

  /**
   * Lets `grantee` obtain pull-only registry tokens (`POST /iam/token/pull`). What a token may
   * then pull is still decided per repository by its repository policy.
   */
  grantPull(grantee: iam.IGrantable): iam.Grant {
    return this.grantInvoke(grantee, [IAM_PATHS.pullToken]);
  }

  /**
   * Lets `grantee` obtain registry tokens to push, pull and delete (`POST /iam/token`), and
   * pull-only ones too. Pushing needs pulling: clients read what a repository already holds.
   * Repository policies still decide what each token may do.
   */
  grantPush(grantee: iam.IGrantable): iam.Grant {
    return this.grantInvoke(grantee, [IAM_PATHS.token, IAM_PATHS.pullToken]);
  }

  /** Lets `grantee` obtain tokens to push and pull; the same as `grantPush`. */
  grantPullPush(grantee: iam.IGrantable): iam.Grant {
    return this.grantPush(grantee);
  }

  /** Lets `grantee` call the management API with its IAM identity (`POST /iam`), as the berth CLI does. */
  grantManage(grantee: iam.IGrantable): iam.Grant {
    return this.grantInvoke(grantee, [IAM_PATHS.management]);
  }

  private grantInvoke(grantee: iam.IGrantable, paths: readonly string[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: paths.map((path) => this.api.arnForExecuteApi('POST', path, this.stage.stageName)),
    });
  }

  private customDomain(domain: RegistryDomainOptions): apigwv2.DomainName {
    const certificate = domain.certificate ?? new acm.Certificate(this, 'Certificate', {
      domainName: domain.domainName,
      validation: acm.CertificateValidation.fromDns(domain.hostedZone),
    });
    const domainName = new apigwv2.DomainName(this, 'DomainName', {
      domainName: domain.domainName,
      certificate,
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    });
    if (domain.hostedZone) {
      const target = route53.RecordTarget.fromAlias(new ApiGatewayv2DomainProperties(domainName.regionalDomainName, domainName.regionalHostedZoneId));
      new route53.ARecord(this, 'AliasRecord', { zone: domain.hostedZone, recordName: domain.domainName, target });
      new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: domain.hostedZone, recordName: domain.domainName, target });
    }
    return domainName;
  }

  private addDefaultStage(settings: Settings): apigwv2.HttpStage {
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      // Under /aws/vendedlogs/, CloudWatch Logs lets API Gateway deliver without naming each log
      // group in the account's resource policy, whose size is limited. The API's ID keeps the
      // name unique per deployment, so a log group retained by an earlier stack never collides.
      logGroupName: `/aws/vendedlogs/apigateway/${Stack.of(this).stackName}/${this.api.apiId}/access-logs`,
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });
    return new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: settings.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
      // Mapped at the root, so /v2/ is at the root of the custom domain too.
      ...(this.domainName ? { domainMapping: { domainName: this.domainName } } : {}),
    });
  }

  private addRoutes(targets: Record<RouteTarget, lambda.IFunction>): void {
    const integrations = {
      registry: new HttpLambdaIntegration('RegistryIntegration', targets.registry),
      management: new HttpLambdaIntegration('ManagementIntegration', targets.management),
    };
    const iamAuthorizer = new HttpIamAuthorizer();
    for (const route of ROUTES) {
      const [added] = this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: integrations[route.target],
        ...(route.auth === 'iam' ? { authorizer: iamAuthorizer } : {}),
      });
      if (route.auth === 'lambda' && added) {
        acknowledge(added, 'APIG4', route.target === 'registry'
          ? 'The registry function authenticates every /v2 request itself (registry tokens in Basic or Bearer auth) and answers 401 with a WWW-Authenticate challenge, as OCI clients expect; API Gateway has no authorizer for those tokens.'
          : isConsolePath(route.path) ? CONSOLE_ROUTE_AUTHENTICATION : 'ECR tooling signs POST / with SigV4 for the service "ecr", which API Gateway cannot verify; the management function verifies those signatures itself against the access keys Berth issued.');
      }
    }
  }

  /** A role's access to the table, the bucket, the secrets and the key, action by action. */
  private grantData(policy: iam.Role, role: keyof typeof OBJECT_ACTIONS, secrets: secretsmanager.ISecret[], key: kms.IKey | undefined): void {
    policy.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...TABLE_ACTIONS[role]], resources: [this.table.tableArn] }));
    for (const grant of [OBJECT_ACTIONS[role], OBJECT_TAGGING_ACTIONS[role]]) {
      if (!grant) continue;
      const objectArns = grant.prefixes.map((prefix) => this.bucket.arnForObjects(`${prefix}*`));
      policy.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...grant.actions], resources: objectArns }));
      for (const arn of objectArns) {
        acknowledgeWildcardResource(policy, arn, 'Object keys are content-addressed digests and upload IDs, known only at run time; the grant is limited to the key prefixes this function writes or reads (lambdas/store/keys.ts).');
      }
    }
    policy.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...SECRET_READ_ACTIONS], resources: secrets.map((secret) => secret.secretArn) }));
    if (key) policy.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...KEY_ACTIONS], resources: [key.keyArn] }));
  }

  /** The function's access to the table alone, and to its key when it has a customer managed one. */
  private grantTable(target: BerthFunction, actions: readonly string[], key: kms.IKey | undefined): void {
    target.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [this.table.tableArn] }));
    if (key) target.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...KEY_ACTIONS], resources: [key.keyArn] }));
  }
}

/** One JSON object per request; HTTP API fills the `$context` variables. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  caller: '$context.identity.userArn',
  domain: '$context.domainName',
  method: '$context.httpMethod',
  path: '$context.path',
  route: '$context.routeKey',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
  authorizerError: '$context.authorizer.error',
}));

interface Settings {
  domain: RegistryDomainOptions | undefined;
  createOnPush: boolean;
  tokenLifetime: Duration;
  tokenKeyRotation: Duration;
  downloadUrlLifetime: Duration;
  removalPolicy: RemovalPolicy;
  logRetention: logs.RetentionDays;
  accessLogRetention: logs.RetentionDays;
  encryptionKey: kms.IKey | undefined;
  intelligentTiering: boolean;
  throttle: apigwv2.ThrottleSettings;
  serverErrorRatePercent: number;
  alarmTopic: sns.ITopic | undefined;
  jobsSchedule: events.Schedule;
  jobsEnabled: boolean;
  uploadGateway: UploadGatewaySettings | undefined;
  reservedConcurrency: ReservedConcurrency;
}

/** Props with their defaults, checked once: a bad value fails the synth with what to change. */
function resolveSettings(props: RegistryProps): Settings {
  const tokenLifetime = props.tokenLifetime ?? DEFAULT_TOKEN_LIFETIME;
  const tokenKeyRotation = props.tokenKeyRotation ?? Duration.days(30);
  const downloadUrlLifetime = props.downloadUrlLifetime ?? Duration.minutes(5);
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
  const serverErrorRatePercent = props.serverErrorRatePercent ?? 5;
  const lifetime = tokenLifetime.toSeconds();
  if (!Number.isInteger(lifetime) || lifetime < 60 || lifetime > MAX_TOKEN_LIFETIME.toSeconds()) {
    throw new Error(`tokenLifetime must be whole seconds from 1 minute to 7 days, got ${tokenLifetime.toHumanString()}`);
  }
  if (tokenKeyRotation.toSeconds() <= lifetime) {
    throw new Error(`tokenKeyRotation (${tokenKeyRotation.toHumanString()}) must be longer than tokenLifetime (${tokenLifetime.toHumanString()}), or tokens would outlive their key`);
  }
  const downloadSeconds = downloadUrlLifetime.toSeconds();
  if (!Number.isInteger(downloadSeconds) || downloadSeconds < 1 || downloadSeconds > MAX_DOWNLOAD_URL_LIFETIME.toSeconds()) {
    throw new Error(`downloadUrlLifetime must be whole seconds from 1 second to 7 days (the most S3 allows), got ${downloadUrlLifetime.toHumanString()}`);
  }
  if (removalPolicy === RemovalPolicy.SNAPSHOT) {
    throw new Error('removalPolicy SNAPSHOT is not supported by DynamoDB tables or S3 buckets; use RETAIN or DESTROY');
  }
  for (const [name, reserved] of Object.entries(props.reservedConcurrency ?? {})) {
    if (reserved !== undefined && !(Number.isInteger(reserved) && reserved >= 1)) {
      throw new Error(`reservedConcurrency.${name} must be a whole number of 1 or more (leave it out to reserve none), got ${reserved}`);
    }
  }
  if (!(serverErrorRatePercent > 0 && serverErrorRatePercent <= 100)) {
    throw new Error(`serverErrorRatePercent must be above 0 and at most 100, got ${serverErrorRatePercent}`);
  }
  return {
    domain: props.domain,
    createOnPush: props.createOnPush ?? false,
    tokenLifetime,
    tokenKeyRotation,
    downloadUrlLifetime,
    removalPolicy,
    logRetention,
    accessLogRetention: logRetention,
    encryptionKey: props.encryptionKey,
    intelligentTiering: props.intelligentTiering ?? false,
    throttle: props.throttle ?? { rateLimit: 1000, burstLimit: 2000 },
    serverErrorRatePercent,
    alarmTopic: props.alarmTopic,
    jobsSchedule: props.jobsSchedule ?? DEFAULT_JOBS_SCHEDULE,
    jobsEnabled: props.jobsEnabled ?? true,
    uploadGateway: uploadGatewaySettings(props),
    reservedConcurrency: props.reservedConcurrency ?? {},
  };
}

/** The gateway's settings, or undefined when it is off; on, it needs the registry's custom domain. */
function uploadGatewaySettings(props: RegistryProps): UploadGatewaySettings | undefined {
  const option = props.uploadGateway ?? true;
  if (option === false) return undefined;
  if (!props.domain) {
    throw new Error('The upload gateway takes upload bytes over HTTPS only, and HTTPS needs a certificate for a host name of yours, which a registry without a custom domain lacks. '
      + 'Set a domain (the domain prop; in the Berth app, -c domainName=registry.example.com), '
      + 'or turn the gateway off (uploadGateway: false; in the Berth app, -c uploadGateway=false) for a pure pay-per-request registry whose API takes at most 4.45 MiB per request.');
  }
  return resolveUploadGateway(option === true ? {} : option, props.domain);
}
