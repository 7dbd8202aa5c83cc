import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../lib/routes.js';
import { berthStack, CERTIFICATE_ARN, FULL_CONTEXT, functionId, NO_GATEWAY, resource } from './stacks.js';

type Json = Record<string, any>;

/** Each route key with its authorization and the function its integration invokes. */
function routeTable(template: ReturnType<typeof berthStack>['template']): Record<string, { auth: string; functionId: string }> {
  const table: Record<string, { auth: string; functionId: string }> = {};
  for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Json>)) {
    const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
    const uri = resource(template, integrationId).Properties.IntegrationUri;
    table[route.Properties.RouteKey] = { auth: route.Properties.AuthorizationType, functionId: uri['Fn::GetAtt'][0] };
  }
  return table;
}

describe('the HTTP API', () => {
  const { template } = berthStack(NO_GATEWAY);
  const registry = functionId(template, 'registry');
  const management = functionId(template, 'management');

  it('routes /v2 to the registry and the rest to management, IAM-authorized only on /iam routes (other accounts take /sts)', () => {
    expect(routeTable(template)).toEqual({
      'ANY /v2': { auth: 'NONE', functionId: registry },
      'ANY /v2/{proxy+}': { auth: 'NONE', functionId: registry },
      'POST /': { auth: 'NONE', functionId: management },
      'POST /iam': { auth: 'AWS_IAM', functionId: management },
      'POST /iam/token': { auth: 'AWS_IAM', functionId: management },
      'POST /iam/token/pull': { auth: 'AWS_IAM', functionId: management },
      // The IAM authorizer refuses every principal of another account: the function verifies them through STS.
      'POST /sts/token': { auth: 'NONE', functionId: management },
      'POST /sts/token/pull': { auth: 'NONE', functionId: management },
      // The web console: the function checks its session cookie.
      'ANY /console': { auth: 'NONE', functionId: management },
      'ANY /console/{proxy+}': { auth: 'NONE', functionId: management },
    });
    expect(ROUTES).toHaveLength(10);
  });

  it('hands events to the functions in payload format 2.0', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 2);
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });

  it('lets API Gateway invoke the functions through the API\'s routes alone', () => {
    const sourceArnSuffixes = Object.values(template.findResources('AWS::Lambda::Permission') as Record<string, Json>)
      .filter((permission) => permission.Properties.Principal === 'apigateway.amazonaws.com')
      .map((permission) => (permission.Properties.SourceArn['Fn::Join'][1] as unknown[]).at(-1));
    expect(sourceArnSuffixes.sort()).toEqual([
      '/*/*/', '/*/*/console', '/*/*/console/{proxy+}', '/*/*/iam', '/*/*/iam/token', '/*/*/iam/token/pull', '/*/*/sts/token', '/*/*/sts/token/pull', '/*/*/v2', '/*/*/v2/{proxy+}',
    ]);
  });

  it('has one $default stage, deployed automatically, throttled, with JSON access logs', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] } },
    });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage') as Record<string, Json>)[0]!;
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', route: '$context.routeKey', caller: '$context.identity.userArn' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('keeps its execute-api endpoint and names that host to the functions without a custom domain', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', DisableExecuteApiEndpoint: false });
    const host = { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [Match.anyValue(), 'ApiEndpoint'] }] }] };
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ BERTH_REGISTRY_HOST: host }) } });
    template.hasOutput('RegistryHost', { Value: host });
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
  });
});

describe('a custom domain', () => {
  it('serves the API at the root of the domain, with a DNS-validated certificate and alias records', () => {
    const { template } = berthStack(FULL_CONTEXT);
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'registry.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'registry.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'registry.example.com',
      DomainNameConfigurations: [Match.objectLike({ EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { Stage: '$default', ApiMappingKey: Match.absent() });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'registry.example.com.', Type: 'A', HostedZoneId: 'Z0123456789ABCDEFGHIJ' });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'registry.example.com.', Type: 'AAAA', HostedZoneId: 'Z0123456789ABCDEFGHIJ' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 } });
    for (const role of ['registry', 'management'] as const) {
      expect(resource(template, functionId(template, role)).Properties.Environment.Variables.BERTH_REGISTRY_HOST).toBe('registry.example.com');
    }
    template.hasOutput('RegistryHost', { Value: 'registry.example.com' });
    template.hasOutput('ManagementEndpoint', { Value: 'https://registry.example.com/iam' });
    expect(template.findOutputs('DomainTarget')).toEqual({});
  });

  it('uses a given certificate, and without a hosted zone tells where to point the CNAME', () => {
    const { template } = berthStack({ domainName: 'registry.example.com', certificateArn: CERTIFICATE_ARN, ...NO_GATEWAY });
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: CERTIFICATE_ARN })],
    });
    template.hasOutput('DomainTarget', { Value: { 'Fn::GetAtt': [Match.anyValue(), 'RegionalDomainName'] } });
  });
});

describe('the outputs', () => {
  it('name the registry host, the management endpoint, the region, the table and the buckets', () => {
    const { template } = berthStack(NO_GATEWAY);
    const outputs = template.toJSON().Outputs as Record<string, Json>;
    expect(Object.keys(outputs).sort()).toEqual(['AccessLogsBucketName', 'BucketName', 'DashboardName', 'EcrEndpoint', 'ManagementEndpoint', 'Region', 'RegistryHost', 'TableName']);
    expect(JSON.stringify(outputs.ManagementEndpoint!.Value)).toMatch(/"https:\/\/",.*"\/iam"/);
    expect(outputs.TableName!.Value).toEqual({ Ref: expect.stringMatching(/Table/) });
    expect(outputs.BucketName!.Value).toEqual({ Ref: expect.stringMatching(/Blobs/) });
  });
});
