import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { createBerthApp } from '../../lib/berth-app.js';
import { Registry, type RegistryProps } from '../../lib/registry.js';
import {
  actionsOf, berthStack, CERTIFICATE_ARN, FULL_CONTEXT, functionId, GATEWAY_CERTIFICATE_ARN, KMS_KEY_ARN, logicalId,
  NO_BUNDLING, NO_GATEWAY, policyStatements, resource, TOPIC_ARN,
} from './stacks.js';

type Json = Record<string, any>;

const ZONE_ID = 'Z0123456789ABCDEFGHIJ';
/** A custom domain in a hosted zone: the gateway is on by default, at uploads.<domainName>. */
const DOMAIN = { domainName: 'registry.example.com', hostedZoneId: ZONE_ID, hostedZoneName: 'example.com' };

const ref = (id: string) => ({ Ref: id });
const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const objects = (bucketId: string, prefix: string) => ({ 'Fn::Join': ['', [arn(bucketId), `/${prefix}*`]] });
/** The logical ID of the one resource of `type` whose ID matches `pattern`. */
function only(template: Template, type: string, pattern = /./): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => pattern.test(id));
  if (ids.length !== 1) throw new Error(`expected one ${type} to match ${pattern}, found ${ids.length}`);
  return ids[0]!;
}

/** A registry in a stack of a user's own, for the construct's props the app does not expose. */
function registryTemplate(props: RegistryProps, env?: { account: string; region: string }): { stack: Stack; template: Template } {
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, 'Platform', env ? { env } : {});
  const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: ZONE_ID, zoneName: 'example.com' });
  new Registry(stack, 'Registry', { domain: { domainName: 'registry.example.com', hostedZone }, ...props });
  return { stack, template: Template.fromStack(stack) };
}

function taskDefinition(template: Template): Json {
  return resource(template, only(template, 'AWS::ECS::TaskDefinition')).Properties;
}

function taskEnvironment(template: Template): Record<string, unknown> {
  const [container] = taskDefinition(template).ContainerDefinitions as Json[];
  return Object.fromEntries((container!.Environment as Array<{ Name: string; Value: unknown }>).map(({ Name, Value }) => [Name, Value]));
}

describe('the upload gateway', () => {
  const { template } = berthStack(DOMAIN);

  it('runs the project\'s image on Fargate, arm64, with a public IP and the task security group', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 100, DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
      NetworkConfiguration: {
        AwsvpcConfiguration: { AssignPublicIp: 'ENABLED', SecurityGroups: [arnOf(only(template, 'AWS::EC2::SecurityGroup', /TaskSecurityGroup/), 'GroupId')], Subnets: Match.anyValue() },
      },
      LoadBalancers: [Match.objectLike({ ContainerName: 'Gateway', ContainerPort: 8080 })],
    });
    const task = taskDefinition(template);
    expect(task).toMatchObject({
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      Cpu: '512',
      Memory: '1024',
    });
    const [container] = task.ContainerDefinitions as Json[];
    expect(container).toMatchObject({
      ReadonlyRootFilesystem: true,
      PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }],
      LinuxParameters: { InitProcessEnabled: true },
      StopTimeout: 120,
      LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-stream-prefix': 'gateway', mode: 'non-blocking' } },
    });
    expect(JSON.stringify(container!.Image)).toContain('container-assets');
    const logGroup = container!.LogConfiguration.Options['awslogs-group'].Ref as string;
    expect(resource(template, logGroup).Properties.RetentionInDays).toBe(90);
  });

  it('gives the task the registry function\'s environment, the gateway\'s URL and its own settings', () => {
    const registry = resource(template, functionId(template, 'registry')).Properties.Environment.Variables as Json;
    const management = resource(template, functionId(template, 'management')).Properties.Environment.Variables as Json;
    expect(registry.BERTH_UPLOAD_GATEWAY_URL).toBe('https://uploads.registry.example.com');
    expect(management.BERTH_UPLOAD_GATEWAY_URL).toBeUndefined();
    expect(taskEnvironment(template)).toEqual({
      ...registry,
      // The gateway takes upload bytes: it changes nothing that is announced on the event bus,
      // and serves no pulls, so the pull-through cache is none of its business.
      BERTH_EVENT_BUS: undefined,
      BERTH_PULL_THROUGH_QUEUE_URL: undefined,
      BERTH_PULL_THROUGH_REFRESH_SECONDS: undefined,
      BERTH_PULL_THROUGH_BLOB_WAIT_SECONDS: undefined,
      AWS_REGION: { Ref: 'AWS::Region' },
      PORT: '8080',
      BERTH_GATEWAY_HOST: '0.0.0.0',
      BERTH_GATEWAY_MAX_UPLOADS: '32',
      BERTH_GATEWAY_PART_MIB: '8',
    });
  });

  it('serves HTTPS only, at TLS 1.2 and up, with a DNS-validated certificate for its host', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    const certificate = logicalId(template, 'AWS::CertificateManager::Certificate', (properties) => properties.DomainName === 'uploads.registry.example.com');
    expect(resource(template, certificate).Properties).toMatchObject({
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'uploads.registry.example.com', HostedZoneId: ZONE_ID }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      Certificates: [{ CertificateArn: ref(certificate) }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'idle_timeout.timeout_seconds', Value: '600' },
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      ]),
    });
  });

  it('admits the internet on 443 to the load balancer, and only the load balancer to the tasks', () => {
    const balancerGroup = only(template, 'AWS::EC2::SecurityGroup', /LoadBalancerSecurityGroup/);
    const taskGroup = only(template, 'AWS::EC2::SecurityGroup', /TaskSecurityGroup/);
    expect(resource(template, balancerGroup).Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    expect(resource(template, taskGroup).Properties.SecurityGroupIngress).toBeUndefined();
    expect(resource(template, taskGroup).Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')) as Json[];
    expect(ingress.map((rule) => rule.Properties)).toEqual([expect.objectContaining({
      GroupId: arnOf(taskGroup, 'GroupId'), SourceSecurityGroupId: arnOf(balancerGroup, 'GroupId'), FromPort: 8080, ToPort: 8080,
    })]);
  });

  it('checks task health on /healthz and drains a leaving task before it stops', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      Protocol: 'HTTP',
      TargetType: 'ip',
      HealthCheckPath: '/healthz',
      Matcher: { HttpCode: '200' },
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'deregistration_delay.timeout_seconds', Value: '300' },
        { Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' },
      ]),
    });
  });

  it('names its host in the registry domain\'s zone with an alias to the load balancer', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'uploads.registry.example.com.',
      Type: 'A',
      HostedZoneId: ZONE_ID,
      AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
    });
    template.hasOutput('UploadGatewayUrl', { Value: 'https://uploads.registry.example.com' });
    expect(template.findOutputs('UploadGatewayDomainTarget')).toEqual({});
  });

  it('runs in two public subnets with no NAT gateway, S3 and DynamoDB through gateway endpoints, and flow logs', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true });
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')) as Json[];
    expect(endpoints.map((endpoint) => endpoint.Properties.VpcEndpointType)).toEqual(['Gateway', 'Gateway']);
    expect(JSON.stringify(endpoints.map((endpoint) => endpoint.Properties.ServiceName))).toMatch(/\.s3".*\.dynamodb"/);
    template.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 's3', TrafficType: 'ALL' });
  });

  it('scales from one to four tasks on CPU and on requests per task', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 4, ScalableDimension: 'ecs:service:DesiredCount' });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 600,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: Match.anyValue() },
      }),
    });
    // Autoscaling owns the count: a deployment does not reset it.
    expect(resource(template, only(template, 'AWS::ECS::Service')).Properties.DesiredCount).toBeUndefined();
  });

  it('lets the task role continue upload sessions, write upload and blob objects and read the token key, and nothing else', () => {
    const find = (type: string, pattern: RegExp) => only(template, type, pattern);
    const table = find('AWS::DynamoDB::Table', /Table/);
    const bucket = find('AWS::S3::Bucket', /Blobs/);
    const tokenSecret = find('AWS::SecretsManager::Secret', /TokenSigningKey/);
    const taskRole = taskDefinition(template).TaskRoleArn['Fn::GetAtt'][0] as string;
    expect(policyStatements(template, taskRole)).toEqual([
      { Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Effect: 'Allow', Resource: arn(table) },
      {
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        Effect: 'Allow',
        Resource: [objects(bucket, 'blobs/'), objects(bucket, 'uploads/')],
      },
      { Action: ['s3:PutObjectTagging', 's3:DeleteObjectTagging'], Effect: 'Allow', Resource: objects(bucket, 'blobs/') },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: ref(tokenSecret) },
    ]);
  });

  it('lets the execution role pull the image and write the task\'s logs only', () => {
    const executionRole = taskDefinition(template).ExecutionRoleArn['Fn::GetAtt'][0] as string;
    const statements = policyStatements(template, executionRole);
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetAuthorizationToken', 'ecr:GetDownloadUrlForLayer',
      'logs:CreateLogStream', 'logs:PutLogEvents',
    ]);
    // GetAuthorizationToken has no resource type; it is the only statement on '*'.
    expect(statements.filter((statement) => statement.Resource === '*').flatMap(actionsOf)).toEqual(['ecr:GetAuthorizationToken']);
  });

  it('alarms on 5xx from its tasks and from the load balancer, and on unhealthy tasks, on the dashboard', () => {
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Json>)
      .filter(([id]) => /UploadGateway/.test(id))
      .map(([, alarm]) => alarm.Properties);
    const metricNames = (alarm: Json) => alarm.MetricName ? [alarm.MetricName] : (alarm.Metrics as Json[]).filter((metric) => metric.MetricStat).map((metric) => metric.MetricStat.Metric.MetricName).sort();
    expect(alarms.map(metricNames).sort()).toEqual([
      ['HTTPCode_ELB_5XX_Count', 'RequestCount'],
      ['HTTPCode_Target_5XX_Count', 'RequestCount'],
      ['UnHealthyHostCount'],
    ]);
    for (const alarm of alarms) expect(alarm.AlarmActions).toBeUndefined();
    const body = JSON.stringify(resource(template, only(template, 'AWS::CloudWatch::Dashboard')).Properties.DashboardBody);
    for (const title of ['Upload gateway requests', 'Upload gateway 5xx rate (%)', 'Upload gateway tasks']) expect(body).toContain(title);
  });
});

describe('the upload gateway with every option', () => {
  const { template } = berthStack(FULL_CONTEXT);

  it('serves its own host name with the given certificate, and scales between the given counts', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Certificates: [{ CertificateArn: GATEWAY_CERTIFICATE_ARN }] });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'push.example.com.', Type: 'A', HostedZoneId: ZONE_ID });
    expect(resource(template, functionId(template, 'registry')).Properties.Environment.Variables.BERTH_UPLOAD_GATEWAY_URL).toBe('https://push.example.com');
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
  });

  it('sends its alarms to the alarm topic, and lets the task role use the KMS key', () => {
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Json>).filter(([id]) => /UploadGateway/.test(id));
    expect(alarms).toHaveLength(3);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([TOPIC_ARN]);
    const taskRole = taskDefinition(template).TaskRoleArn['Fn::GetAtt'][0] as string;
    expect(policyStatements(template, taskRole)).toContainEqual({
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], Effect: 'Allow', Resource: KMS_KEY_ARN,
    });
  });
});

describe('the upload gateway without a hosted zone', () => {
  it('gets a certificate validated by DNS records made by hand, and names the CNAME target', () => {
    const { template } = berthStack({ domainName: 'registry.example.com', certificateArn: CERTIFICATE_ARN });
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'uploads.registry.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: Match.absent(),
    });
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.hasOutput('UploadGatewayDomainTarget', { Value: arnOf(only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer'), 'DNSName') });
  });
});

describe('turning the upload gateway off', () => {
  it('leaves no container, load balancer or network, and uploads on the API', () => {
    const { template } = berthStack({ ...DOMAIN, ...NO_GATEWAY });
    for (const type of ['AWS::ECS::Cluster', 'AWS::ECS::Service', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::EC2::VPC', 'AWS::ApplicationAutoScaling::ScalableTarget']) {
      template.resourceCountIs(type, 0);
    }
    expect(resource(template, functionId(template, 'registry')).Properties.Environment.Variables.BERTH_UPLOAD_GATEWAY_URL).toBeUndefined();
    expect(Object.keys(template.findOutputs('*')).filter((name) => name.startsWith('UploadGateway'))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).filter((id) => /UploadGateway/.test(id))).toEqual([]);
  });
});

describe('the upload gateway without a custom domain', () => {
  it('fails the synth, naming the two ways out', () => {
    expect(() => createBerthApp({ context: NO_BUNDLING })).toThrow(/HTTPS only.*-c domainName=registry\.example\.com.*-c uploadGateway=false/);
    expect(() => new Registry(new Stack(new App({ context: NO_BUNDLING }), 'S'), 'Registry')).toThrow(/Set a domain \(the domain prop.*uploadGateway: false/);
  });
});

describe('upload gateway props', () => {
  it.each([
    [{ minTasks: 0 }, /uploadGateway.minTasks must be a whole number from 1 up, got 0/],
    [{ minTasks: 3, maxTasks: 2 }, /uploadGateway.maxTasks must be a whole number from 3 up, got 2/],
    [{ partSizeMiB: 4 }, /uploadGateway.partSizeMiB must be a whole number from 5 to 512, got 4/],
    [{ maxUploadsPerTask: 0 }, /uploadGateway.maxUploadsPerTask must be a whole number from 1 to 10000/],
    [{ idleTimeout: Duration.minutes(11) }, /uploadGateway.idleTimeout \(in seconds\) must be a whole number from 60 to 600, got 660/],
    [{ drainTime: Duration.hours(2) }, /uploadGateway.drainTime \(in seconds\) must be a whole number from 0 to 3600, got 7200/],
    [{ maxUploadsPerTask: 40 }, /40 uploads of 3 8 MiB parts each \(960 MiB\) and 256 MiB for Node.js do not fit in memoryMiB 1024; raise memoryMiB/],
  ])('refuse %j with what to change', (uploadGateway, message) => {
    expect(() => registryTemplate({ uploadGateway })).toThrow(message);
  });

  it('size the tasks as given, pass the upload limits to the gateway, and set the load balancer\'s timings', () => {
    const { template } = registryTemplate({
      uploadGateway: { cpu: 1024, memoryMiB: 4096, maxUploadsPerTask: 60, partSizeMiB: 16, minTasks: 5, idleTimeout: Duration.minutes(3), drainTime: Duration.seconds(30) },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'idle_timeout.timeout_seconds', Value: '180' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
    });
    expect(taskDefinition(template)).toMatchObject({ Cpu: '1024', Memory: '4096' });
    expect(taskEnvironment(template)).toMatchObject({ BERTH_GATEWAY_MAX_UPLOADS: '60', BERTH_GATEWAY_PART_MIB: '16' });
    // The most tasks is at least the fewest.
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 5, MaxCapacity: 5 });
  });
});

describe('the upload gateway in a stack with a region', () => {
  const { stack, template } = registryTemplate({}, { account: '123456789012', region: 'eu-west-1' });

  it('logs the load balancer\'s requests to the access-log bucket', () => {
    const logBucket = only(template, 'AWS::S3::Bucket', /AccessLogs/);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.bucket', Value: ref(logBucket) },
        { Key: 'access_logs.s3.prefix', Value: 'upload-gateway-alb' },
      ]),
    });
  });

  it('passes cdk-nag with nothing left unacknowledged', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});

function arnOf(id: string, attribute: string) {
  return { 'Fn::GetAtt': [id, attribute] };
}
