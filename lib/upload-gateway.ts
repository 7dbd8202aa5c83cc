import { Duration, type RemovalPolicy, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { LoadBalancerTarget } from 'aws-cdk-lib/aws-route53-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PARTS_HELD } from '../lambdas/registry/blobs/upload-stream.js';
import { acknowledge, acknowledgeWildcardResource } from './nag.js';
import { UPLOAD_GATEWAY_PORT, uploadGatewayImage } from './upload-gateway-image.js';

/** How the upload gateway runs; every field has a default. */
export interface UploadGatewayOptions {
  /**
   * The gateway's host name, in the registry domain's hosted zone when it has one.
   *
   * @default - `uploads.<domainName>`
   */
  readonly domainName?: string;
  /**
   * A certificate for the gateway's host name in the stack's region.
   *
   * @default - a certificate validated by DNS, as the registry domain's own
   */
  readonly certificate?: acm.ICertificate;
  /**
   * Tasks that always run. Autoscaling adds tasks on CPU and on requests per task.
   *
   * @default 1
   */
  readonly minTasks?: number;
  /** @default 4 */
  readonly maxTasks?: number;
  /**
   * CPU units of each task (1024 = 1 vCPU), a Fargate size together with `memoryMiB`.
   *
   * @default 512
   */
  readonly cpu?: number;
  /** @default 1024 */
  readonly memoryMiB?: number;
  /**
   * Uploads one task takes at once; beyond that it refuses with a retryable OCI error.
   * Each holds about two parts in memory, so these must fit in `memoryMiB`.
   *
   * @default 32
   */
  readonly maxUploadsPerTask?: number;
  /**
   * Size of the S3 multipart parts the gateway cuts a body into: from 5 MiB (S3's smallest) to 512 MiB.
   *
   * @default 8
   */
  readonly partSizeMiB?: number;
  /**
   * How long the load balancer keeps a connection on which nothing moves: from 1 to 10 minutes.
   * A steady upload is never idle, however long; the client waits in silence after its last
   * byte while S3 assembles the parts of a large blob, which S3 says may take minutes. At most
   * 10 minutes: it must stay below the gateway's own keep-alive (11 minutes,
   * lambdas/upload-gateway/http-server.ts), so that the load balancer, not the task, closes an
   * idle connection; a request sent on a connection the task is closing fails with 502.
   *
   * @default Duration.minutes(10)
   */
  readonly idleTimeout?: Duration;
  /**
   * How long a task that leaves (a deployment, a scale-in) keeps serving the uploads it has
   * in flight, taking no new ones, before ECS stops it: up to 1 hour. ECS then sends SIGTERM,
   * and the gateway gets Fargate's most, 2 minutes, to finish what is left.
   *
   * @default Duration.minutes(5)
   */
  readonly drainTime?: Duration;
}

/** The options with their defaults, checked, and the domain the gateway serves. */
export interface UploadGatewaySettings {
  readonly domainName: string;
  readonly certificate: acm.ICertificate | undefined;
  readonly hostedZone: route53.IHostedZone | undefined;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly maxUploadsPerTask: number;
  readonly partSizeMiB: number;
  readonly idleTimeout: Duration;
  readonly drainTime: Duration;
}

/** What Node.js itself takes in a task, besides the upload buffers. */
const NODE_RESERVE_MIB = 256;
/** S3's smallest multipart part (except the last), and the most the gateway takes. */
const PART_MIB = { min: 5, max: 512 } as const;
/** The most uploads at once the gateway takes (BERTH_GATEWAY_MAX_UPLOADS). */
const MAX_UPLOADS = 10_000;
/** Below the gateway's keep-alive of 11 minutes (see UploadGatewayOptions.idleTimeout). */
const MAX_IDLE_TIMEOUT = Duration.minutes(10);
/** The most a target group's deregistration delay may be. */
const MAX_DRAIN_TIME = Duration.hours(1);
/** After SIGTERM the gateway closes its listener and waits for what is left, up to Fargate's most. */
const STOP_TIMEOUT = Duration.minutes(2);
/**
 * ALBRequestCountPerTarget is per minute. At about 2 s a request (a chunk of a few MiB), 600 a
 * minute keeps some 20 uploads at once on a task, below maxUploadsPerTask; long single-request
 * layers use CPU for hashing instead, which the CPU policy follows.
 */
const REQUESTS_PER_TASK_PER_MINUTE = 600;
const CPU_TARGET_PERCENT = 60;

/**
 * Fills in the gateway's defaults and checks them: a bad value fails the synth with what to change.
 * `registryDomain` is the registry's custom domain; the gateway lives under it.
 */
export function resolveUploadGateway(
  options: UploadGatewayOptions,
  registryDomain: { domainName: string; hostedZone?: route53.IHostedZone | undefined },
): UploadGatewaySettings {
  const settings: UploadGatewaySettings = {
    domainName: options.domainName ?? `uploads.${registryDomain.domainName}`,
    certificate: options.certificate,
    hostedZone: registryDomain.hostedZone,
    minTasks: options.minTasks ?? 1,
    maxTasks: options.maxTasks ?? Math.max(4, options.minTasks ?? 1),
    cpu: options.cpu ?? 512,
    memoryMiB: options.memoryMiB ?? 1024,
    maxUploadsPerTask: options.maxUploadsPerTask ?? 32,
    partSizeMiB: options.partSizeMiB ?? 8,
    idleTimeout: options.idleTimeout ?? MAX_IDLE_TIMEOUT,
    drainTime: options.drainTime ?? Duration.minutes(5),
  };
  const whole = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`uploadGateway.${name} must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got ${value}`);
    }
  };
  whole('minTasks', settings.minTasks, 1);
  whole('maxTasks', settings.maxTasks, settings.minTasks);
  whole('maxUploadsPerTask', settings.maxUploadsPerTask, 1, MAX_UPLOADS);
  whole('partSizeMiB', settings.partSizeMiB, PART_MIB.min, PART_MIB.max);
  whole('idleTimeout (in seconds)', settings.idleTimeout.toSeconds(), 60, MAX_IDLE_TIMEOUT.toSeconds());
  whole('drainTime (in seconds)', settings.drainTime.toSeconds(), 0, MAX_DRAIN_TIME.toSeconds());
  const buffers = settings.maxUploadsPerTask * PARTS_HELD * settings.partSizeMiB;
  if (buffers + NODE_RESERVE_MIB > settings.memoryMiB) {
    throw new Error(`uploadGateway: ${settings.maxUploadsPerTask} uploads of ${PARTS_HELD} ${settings.partSizeMiB} MiB parts each (${buffers} MiB) and ${NODE_RESERVE_MIB} MiB for Node.js do not fit in memoryMiB ${settings.memoryMiB}; raise memoryMiB or lower maxUploadsPerTask or partSizeMiB`);
  }
  return settings;
}

export interface UploadGatewayProps {
  readonly settings: UploadGatewaySettings;
  /** The registry function's environment: the gateway reads the same configuration. */
  readonly environment: Record<string, string>;
  /** Receives the load balancer's access logs and the VPC's flow logs. */
  readonly logBucket: s3.IBucket;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The upload gateway on AWS: the project's streaming upload server as a container on ECS
 * Fargate (arm64) behind an internet-facing Application Load Balancer that speaks HTTPS only,
 * at its own host name.
 *
 * Networking costs no NAT gateway: tasks run in public subnets with public IPv4 addresses (to
 * reach ECR, CloudWatch Logs and Secrets Manager), and their security group admits only the
 * load balancer. S3 and DynamoDB traffic goes through free gateway endpoints.
 */
export class UploadGateway extends Construct {
  /** The gateway's base URL, as upload Locations name it. */
  readonly url: string;
  readonly domainName: string;
  readonly vpc: ec2.Vpc;
  readonly service: ecs.FargateService;
  readonly taskRole: iam.Role;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: UploadGatewayProps) {
    super(scope, id);
    const { settings } = props;
    this.domainName = settings.domainName;
    this.url = `https://${settings.domainName}`;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        FlowLogs: { destination: ec2.FlowLogDestination.toS3(props.logBucket, 'upload-gateway-vpc/'), trafficType: ec2.FlowLogTrafficType.ALL },
      },
    });

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Berth upload gateway tasks: upload sessions, upload bytes, the token key',
    });
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: settings.cpu,
      memoryLimitMiB: settings.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      taskRole: this.taskRole,
    });
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    taskDefinition.addContainer('Gateway', {
      image: ecs.ContainerImage.fromDockerImageAsset(uploadGatewayImage(this, 'Image')),
      environment: {
        ...props.environment,
        // Lambda sets the region itself; a task does not reliably.
        AWS_REGION: this.vpc.stack.region,
        BERTH_UPLOAD_GATEWAY_URL: this.url,
        PORT: String(UPLOAD_GATEWAY_PORT),
        BERTH_GATEWAY_HOST: '0.0.0.0',
        BERTH_GATEWAY_MAX_UPLOADS: String(settings.maxUploadsPerTask),
        BERTH_GATEWAY_PART_MIB: String(settings.partSizeMiB),
      },
      portMappings: [{ containerPort: UPLOAD_GATEWAY_PORT }],
      readonlyRootFilesystem: true,
      stopTimeout: STOP_TIMEOUT,
      // An init process as PID 1 passes ECS's SIGTERM on to Node.js, which PID 1 would ignore.
      linuxParameters: new ecs.LinuxParameters(this, 'LinuxParameters', { initProcessEnabled: true }),
      // Logs never hold up uploads: a slow CloudWatch Logs drops lines rather than blocking writes.
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'gateway', mode: ecs.AwsLogDriverMode.NON_BLOCKING }),
    });
    acknowledge(taskDefinition, 'ECS2', 'The environment holds names, ARNs and sizes only (table, bucket, host names, the token secret\'s ARN); the gateway reads the key itself from Secrets Manager at run time.');

    const cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ecs.ContainerInsights.DISABLED });
    acknowledge(cluster, 'ECS4', 'Container Insights bills per metric; the dashboard shows the service\'s CPU and memory from the free AWS/ECS metrics and the load balancer\'s request, error and health metrics.');

    const taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'Berth upload gateway tasks: in from the load balancer only, out to AWS APIs over HTTPS',
      allowAllOutbound: false,
    });
    taskSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs (ECR, CloudWatch Logs, Secrets Manager, S3, DynamoDB)');
    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      // Unset: autoscaling owns the count, and a deployment keeps the count it has reached.
      assignPublicIp: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [taskSecurityGroup],
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(30),
    });

    const balancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: this.vpc,
      description: 'Berth upload gateway load balancer: HTTPS from anywhere, out to the tasks only',
      allowAllOutbound: false,
    });
    acknowledge(balancerSecurityGroup, 'EC23', 'The upload gateway is a public HTTPS endpoint, like the registry API: OCI clients push from anywhere. Port 443 only; every request carries a signed upload token the gateway checks.');
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: balancerSecurityGroup,
      idleTimeout: settings.idleTimeout,
      dropInvalidHeaderFields: true,
    });
    if (Token.isUnresolved(this.loadBalancer.stack.region)) {
      acknowledge(this.loadBalancer, 'ELB2', 'Synthesized without a region, the stack cannot name the regional Elastic Load Balancing account that the log bucket\'s policy must admit. cdk deploy gives the app the region of its AWS profile, and the load balancer then logs to the access-log bucket.');
    } else {
      this.loadBalancer.logAccessLogs(props.logBucket, 'upload-gateway-alb');
    }

    const certificate = settings.certificate ?? new acm.Certificate(this, 'Certificate', {
      domainName: settings.domainName,
      validation: acm.CertificateValidation.fromDns(settings.hostedZone),
    });
    const listener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      certificates: [elbv2.ListenerCertificate.fromCertificateManager(certificate)],
      open: true,
    });
    this.targetGroup = listener.addTargets('Tasks', {
      port: UPLOAD_GATEWAY_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      // Uploads differ in length by orders of magnitude: send each to the task with the fewest open.
      loadBalancingAlgorithmType: elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS,
      deregistrationDelay: settings.drainTime,
      healthCheck: {
        path: '/healthz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    const scaling = this.service.autoScaleTaskCount({ minCapacity: settings.minTasks, maxCapacity: settings.maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: CPU_TARGET_PERCENT,
      scaleOutCooldown: Duration.minutes(1),
      scaleInCooldown: Duration.minutes(5),
    });
    scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: REQUESTS_PER_TASK_PER_MINUTE,
      targetGroup: this.targetGroup,
      scaleOutCooldown: Duration.minutes(1),
      scaleInCooldown: Duration.minutes(5),
    });

    if (settings.hostedZone) {
      new route53.ARecord(this, 'AliasRecord', {
        zone: settings.hostedZone,
        recordName: settings.domainName,
        target: route53.RecordTarget.fromAlias(new LoadBalancerTarget(this.loadBalancer)),
      });
    }

    const executionRole = taskDefinition.obtainExecutionRole();
    acknowledgeWildcardResource(executionRole, '*', 'ecr:GetAuthorizationToken, which ECS needs to pull the image, has no resource type; the pull itself is limited to the image\'s repository.');
  }
}
