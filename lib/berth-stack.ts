import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { Registry, type RegistryDomainOptions, type RegistryProps } from './registry.js';
import type { BerthSettings } from './settings.js';
import type { UploadGatewayOptions } from './upload-gateway.js';

export interface BerthStackProps extends StackProps {
  readonly settings: BerthSettings;
}

/** The production stack: one Registry, and the outputs a user needs after `cdk deploy`. */
export class BerthStack extends Stack {
  readonly registry: Registry;

  constructor(scope: Construct, id: string, props: BerthStackProps) {
    super(scope, id, props);
    this.registry = new Registry(this, 'Registry', this.registryProps(props.settings));
    const registry = this.registry;

    new CfnOutput(this, 'RegistryHost', {
      value: registry.registryHost,
      description: 'The registry host: docker login <host>, image names <host>/<repository>:<tag>',
    });
    new CfnOutput(this, 'ManagementEndpoint', {
      value: registry.managementEndpoint,
      description: 'Management API for AWS principals (signed for execute-api): the berth CLI and the credential helper',
    });
    new CfnOutput(this, 'EcrEndpoint', {
      value: `https://${registry.registryHost}`,
      description: 'Endpoint URL for ECR tooling (aws ecr --endpoint-url, SDKs, Terraform) with access keys Berth issued',
    });
    new CfnOutput(this, 'Region', {
      value: this.region,
      description: 'The registry\'s AWS region: ECR tooling signs for it (aws ecr --region, AWS_REGION), which a custom domain does not show',
    });
    new CfnOutput(this, 'TableName', { value: registry.table.tableName, description: 'DynamoDB table of registry metadata' });
    new CfnOutput(this, 'BucketName', { value: registry.bucket.bucketName, description: 'S3 bucket of blob bytes' });
    new CfnOutput(this, 'AccessLogsBucketName', {
      value: registry.accessLogsBucket.bucketName,
      description: props.settings.removalPolicy === 'destroy'
        ? 'S3 bucket of access logs; emptied and deleted with the stack'
        : 'S3 bucket of access logs; kept, with the table, the blob bucket and the secrets, when the stack is deleted (docs/deploying.md)',
    });
    new CfnOutput(this, 'DashboardName', { value: registry.monitoring.dashboard.dashboardName, description: 'CloudWatch dashboard' });
    if (registry.domainName && !props.settings.domain?.hostedZone) {
      new CfnOutput(this, 'DomainTarget', {
        value: registry.domainName.regionalDomainName,
        description: `Point a CNAME for ${props.settings.domain?.domainName} at this name`,
      });
    }
    const gateway = registry.uploadGateway;
    if (gateway) {
      new CfnOutput(this, 'UploadGatewayUrl', { value: gateway.url, description: 'The upload gateway: upload Locations point here' });
      if (!props.settings.domain?.hostedZone) {
        new CfnOutput(this, 'UploadGatewayDomainTarget', {
          value: gateway.loadBalancer.loadBalancerDnsName,
          description: `Point a CNAME for ${gateway.domainName} at this name`,
        });
      }
    }
  }

  private registryProps(settings: BerthSettings): RegistryProps {
    const props: { -readonly [K in keyof RegistryProps]: RegistryProps[K] } = {};
    if (settings.domain) props.domain = this.domain(settings.domain);
    if (settings.createOnPush !== undefined) props.createOnPush = settings.createOnPush;
    if (settings.tokenLifetimeSeconds !== undefined) props.tokenLifetime = Duration.seconds(settings.tokenLifetimeSeconds);
    if (settings.tokenKeyRotationDays !== undefined) props.tokenKeyRotation = Duration.days(settings.tokenKeyRotationDays);
    if (settings.downloadUrlSeconds !== undefined) props.downloadUrlLifetime = Duration.seconds(settings.downloadUrlSeconds);
    if (settings.removalPolicy !== undefined) {
      props.removalPolicy = settings.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    }
    if (settings.logRetentionDays !== undefined) props.logRetention = settings.logRetentionDays;
    if (settings.kmsKeyArn !== undefined) props.encryptionKey = kms.Key.fromKeyArn(this, 'EncryptionKey', settings.kmsKeyArn);
    if (settings.intelligentTiering !== undefined) props.intelligentTiering = settings.intelligentTiering;
    if (settings.throttle !== undefined) props.throttle = settings.throttle;
    if (settings.serverErrorRatePercent !== undefined) props.serverErrorRatePercent = settings.serverErrorRatePercent;
    if (settings.alarmTopicArn !== undefined) props.alarmTopic = sns.Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn);
    if (settings.uploadGateway !== undefined) props.uploadGateway = this.uploadGateway(settings.uploadGateway);
    if (settings.reservedConcurrency !== undefined) props.reservedConcurrency = settings.reservedConcurrency;
    return props;
  }

  private uploadGateway(gateway: NonNullable<BerthSettings['uploadGateway']>): false | UploadGatewayOptions {
    if (gateway === false) return false;
    return {
      ...(gateway.domainName === undefined ? {} : { domainName: gateway.domainName }),
      ...(gateway.certificateArn === undefined
        ? {}
        : { certificate: acm.Certificate.fromCertificateArn(this, 'UploadGatewayCertificate', gateway.certificateArn) }),
      ...(gateway.minTasks === undefined ? {} : { minTasks: gateway.minTasks }),
      ...(gateway.maxTasks === undefined ? {} : { maxTasks: gateway.maxTasks }),
    };
  }

  private domain(domain: NonNullable<BerthSettings['domain']>): RegistryDomainOptions {
    return {
      domainName: domain.domainName,
      ...(domain.certificateArn
        ? { certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn) }
        : {}),
      ...(domain.hostedZone
        ? {
          hostedZone: route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
            hostedZoneId: domain.hostedZone.id,
            zoneName: domain.hostedZone.name,
          }),
        }
        : {}),
    };
  }
}
