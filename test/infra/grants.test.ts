import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../lib/registry.js';
import { NO_BUNDLING } from './stacks.js';

/** A registry and one role per grant, as a user's own stack would have them. */
function grantedStack() {
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, 'Platform', { env: { account: '123456789012', region: 'eu-west-1' } });
  const registry = new Registry(stack, 'Registry', { uploadGateway: false });
  const role = (id: string) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  const roles = { puller: role('Puller'), pusher: role('Pusher'), pullPusher: role('PullPusher'), manager: role('Manager') };
  registry.grantPull(roles.puller);
  registry.grantPush(roles.pusher);
  registry.grantPullPush(roles.pullPusher);
  registry.grantManage(roles.manager);
  const template = Template.fromStack(stack);
  const apiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0]!;
  return { stack, template, roles, apiId };
}

/** The execute-api ARNs a role may invoke. */
function invokable(template: Template, stack: Stack, role: iam.Role): unknown[] {
  const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
  const statements = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((ref: { Ref: string }) => ref.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  expect(statements.every((statement: { Action: string }) => statement.Action === 'execute-api:Invoke')).toBe(true);
  return statements.flatMap((statement: { Resource: unknown }) => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]));
}

function routeArn(apiId: string, path: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:eu-west-1:123456789012:', { Ref: apiId }, `/$default/POST${path}`]] };
}

describe('grants', () => {
  const { stack, template, roles, apiId } = grantedStack();

  it('grantPull allows the pull-only token route and nothing else', () => {
    expect(invokable(template, stack, roles.puller)).toEqual([routeArn(apiId, '/iam/token/pull')]);
  });

  it('grantPush and grantPullPush allow both token routes', () => {
    const both = [routeArn(apiId, '/iam/token'), routeArn(apiId, '/iam/token/pull')];
    expect(invokable(template, stack, roles.pusher)).toEqual(both);
    expect(invokable(template, stack, roles.pullPusher)).toEqual(both);
  });

  it('grantManage allows the IAM management route alone', () => {
    expect(invokable(template, stack, roles.manager)).toEqual([routeArn(apiId, '/iam')]);
  });
});
